/** User portal at /if/user/: applications, profile and password, MFA devices, sessions. */
import "../styles.css";
import { render } from "preact";
import { Route, Router, Switch } from "wouter-preact";
import { Shell, useMe, type NavSection } from "../components/shell";
import { PageHeader } from "../components/ui";
import { MyApplications } from "./pages/apps";
import { Devices } from "./pages/devices";
import { Sessions } from "./pages/sessions";
import { Profile } from "./pages/settings";

const NAV: NavSection[] = [
  { items: [["/", "My applications"]] },
  { title: "Settings", items: [["/profile", "Profile & password"], ["/devices", "MFA devices"], ["/sessions", "Sessions"]] },
];

function App() {
  const me = useMe();
  return (
    <Router base="/if/user">
      <Shell nav={NAV} switchTo={me.data && (me.data.user.is_superuser || me.data.user.system_permissions.length > 0) ? ["/if/admin/", "Admin interface"] : undefined}>
        <Switch>
          <Route path="/" component={MyApplications} />
          <Route path="/profile" component={Profile} />
          <Route path="/devices" component={Devices} />
          <Route path="/sessions" component={Sessions} />
          <Route>
            <PageHeader title="Not found" description="This page does not exist." />
          </Route>
        </Switch>
      </Shell>
    </Router>
  );
}

render(<App />, document.getElementById("app")!);
