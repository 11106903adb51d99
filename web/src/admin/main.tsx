/** Admin SPA at /if/admin/ (superusers; the server redirects everyone else to the portal). */
import "../styles.css";
import { render } from "preact";
import { Route, Router, Switch } from "wouter-preact";
import { NotificationBell } from "../components/bell";
import { Shell, type NavSection } from "../components/shell";
import { PageHeader } from "../components/ui";
import { Dashboard } from "./pages/dashboard";

const NAV: NavSection[] = [
  { items: [["/", "Overview"]] },
  { title: "Applications", items: [["/applications", "Applications"], ["/providers", "Providers"], ["/outposts", "Outposts"]] },
  { title: "Directory", items: [["/users", "Users"], ["/groups", "Groups"], ["/tokens", "Tokens"]] },
  { title: "Flows & stages", items: [["/flows", "Flows"], ["/stages", "Stages"], ["/policies", "Policies"]] },
  { title: "Events", items: [["/events", "Audit log"]] },
  { title: "System", items: [["/brands", "Brands"], ["/keys", "Certificates & keys"]] },
];

function NotFound() {
  return <PageHeader title="Not found" description="This page does not exist." />;
}

function App() {
  return (
    <Router base="/if/admin">
      <Shell nav={NAV} topbar={<NotificationBell />} switchTo={["/if/user/", "User interface"]}>
        <Switch>
          <Route path="/" component={Dashboard} />
          <Route component={NotFound} />
        </Switch>
      </Shell>
    </Router>
  );
}

render(<App />, document.getElementById("app")!);
