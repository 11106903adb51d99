/** Admin SPA at /if/admin/ (superusers; the server redirects everyone else to the portal). */
import "../styles.css";
import { render } from "preact";
import { Route, Router, Switch } from "wouter-preact";
import { NotificationBell } from "../components/bell";
import { Shell, type NavSection } from "../components/shell";
import { PageHeader } from "../components/ui";
import { ApplicationDetail, ApplicationsPage } from "./pages/applications";
import { Dashboard } from "./pages/dashboard";
import { EventsPage } from "./pages/events";
import { FlowDetail, FlowsPage } from "./pages/flows";
import { GroupDetail, GroupsPage } from "./pages/groups";
import { OutpostsPage } from "./pages/outposts";
import { PoliciesPage, StagesPage } from "./pages/stages";
import { BrandsPage, KeysPage, TokensPage } from "./pages/system";
import { ProviderDetail, ProvidersPage } from "./pages/providers";
import { UserDetail, UsersPage } from "./pages/users";

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
          <Route path="/users" component={UsersPage} />
          <Route path="/users/:pk" component={UserDetail} />
          <Route path="/groups" component={GroupsPage} />
          <Route path="/groups/:pk" component={GroupDetail} />
          <Route path="/applications" component={ApplicationsPage} />
          <Route path="/applications/:slug" component={ApplicationDetail} />
          <Route path="/providers" component={ProvidersPage} />
          <Route path="/providers/:pk" component={ProviderDetail} />
          <Route path="/outposts" component={OutpostsPage} />
          <Route path="/flows" component={FlowsPage} />
          <Route path="/flows/:slug" component={FlowDetail} />
          <Route path="/stages" component={StagesPage} />
          <Route path="/policies" component={PoliciesPage} />
          <Route path="/events" component={EventsPage} />
          <Route path="/brands" component={BrandsPage} />
          <Route path="/keys" component={KeysPage} />
          <Route path="/tokens" component={TokensPage} />
          <Route component={NotFound} />
        </Switch>
      </Shell>
    </Router>
  );
}

render(<App />, document.getElementById("app")!);
