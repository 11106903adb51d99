import { useState } from "preact/hooks";
import { useDebounced } from "../../components/table";
import { ErrorBox, Loading, PageHeader } from "../../components/ui";
import { useList } from "../../lib/api";
import type { Application } from "../../lib/types";

const COLORS = ["#3a4a66", "#2457c5", "#1e8a4c", "#8a3ab9", "#b7791f", "#c53030", "#0f7c86"];

function Icon({ app }: { app: Application }) {
  if (app.meta_icon) return <span class="icon"><img src={app.meta_icon} alt="" /></span>;
  const color = COLORS[[...app.slug].reduce((a, c) => a + c.charCodeAt(0), 0) % COLORS.length];
  return <span class="icon" style={{ background: color }}>{app.name.slice(0, 1).toUpperCase()}</span>;
}

/** Launch tiles of the applications this user may open (the API applies the policies). */
export function MyApplications() {
  const [search, setSearch] = useState("");
  const q = useDebounced(search);
  const { data, error, isLoading } = useList<Application>("core/applications/", { superuser_full_list: false, ordering: "name", page_size: 100, search: q }, { keepPreviousData: true });
  const apps = data?.results ?? [];
  return (
    <div class="stack">
      <PageHeader title="My applications">
        <input type="search" placeholder="Search applications" aria-label="Search applications" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
      </PageHeader>
      <ErrorBox error={error} />
      {isLoading && !data && <Loading />}
      {data && apps.length === 0 && <p class="muted">{q ? "No application matches." : "No applications are available to you yet."}</p>}
      <div class="tiles" data-testid="app-tiles">
        {apps.map((app) => {
          const url = app.launch_url || app.meta_launch_url || null;
          const body = (
            <>
              <Icon app={app} />
              <strong>{app.name}</strong>
              {app.meta_description && <span class="desc">{app.meta_description}</span>}
              {app.meta_publisher && <span class="desc">{app.meta_publisher}</span>}
            </>
          );
          return url ? (
            <a class="tile" key={app.pk} href={url} target={app.open_in_new_tab ? "_blank" : undefined} rel="noopener noreferrer">
              {body}
            </a>
          ) : (
            <div class="tile" key={app.pk} title="This application has no launch URL">
              {body}
            </div>
          );
        })}
      </div>
    </div>
  );
}
