import { FlowLayout, type FlowInfo, type PageBrand } from "./layout.js";
import { StageView, type Challenge } from "./stages.js";

export interface FlowPageInput {
  challenge: Challenge;
  brand: PageBrand;
  /** Where the form posts (the page's own URL, query string kept). */
  action: string;
  csrfToken: string;
}

/** The HTML document for one challenge of a flow at `/if/flow/<slug>/`. */
export function renderFlowPage(input: FlowPageInput): string {
  const info = (input.challenge.flow_info ?? {}) as FlowInfo;
  const title = info.title ?? "";
  const page = (
    <FlowLayout brand={input.brand} info={info} title={title}>
      {title ? <h1>{title}</h1> : null}
      <StageView challenge={input.challenge} form={{ action: input.action, csrfToken: input.csrfToken }} cancelUrl={info.cancel_url} />
    </FlowLayout>
  );
  return "<!doctype html>" + page.toString();
}
