import type { JSX } from "preact";

/**
 * A flow drawn as SVG: start, the flow's own policies, each stage binding in order (with its
 * policy count and whether policies run at planning or on arrival), then the end. authentik
 * draws the same with mermaid (~1 MB); this is a few dozen lines over data the page already has.
 */
export interface DiagramStage {
  order: number;
  name: string;
  kind: string;
  policies: number;
  evaluateOnPlan?: boolean | undefined;
  reEvaluate?: boolean | undefined;
}

const W = 380;
const NODE_W = 360;
const NODE_H = 56;
const GAP = 30;
const X = (W - NODE_W) / 2;

function Node(props: { y: number; title: string; subtitle?: string; fill: string; stroke: string; rounded?: number; badge?: string | undefined; index?: number }) {
  return (
    <g data-stage-index={props.index}>
      <rect x={X} y={props.y} width={NODE_W} height={NODE_H} rx={props.rounded ?? 8} fill={props.fill} stroke={props.stroke} stroke-width="1.5" />
      <text x={W / 2} y={props.y + (props.subtitle ? 23 : 33)} text-anchor="middle" font-size="14" font-weight="600" fill="#1d2433">
        <title>{props.title}</title>
        {props.title.length > 40 ? `${props.title.slice(0, 39)}…` : props.title}
      </text>
      {props.subtitle && (
        <text x={W / 2} y={props.y + 42} text-anchor="middle" font-size="12.5" fill="#5d6778">
          {props.subtitle}
        </text>
      )}
      {props.badge && (
        <g>
          <rect x={X + NODE_W - props.badge.length * 6.5 - 18} y={props.y - 10} width={props.badge.length * 6.5 + 14} height="20" rx="10" fill="#fdf3e1" stroke="#b7791f" />
          <text x={X + NODE_W - props.badge.length * 6.5 - 11} y={props.y + 4} font-size="11" fill="#8a5a12">{props.badge}</text>
        </g>
      )}
    </g>
  );
}

function Arrow({ y }: { y: number }) {
  return <line x1={W / 2} x2={W / 2} y1={y} y2={y + GAP - 4} stroke="#8a94a6" stroke-width="1.5" marker-end="url(#arrow)" />;
}

export function FlowDiagram(props: { title: string; designation: string; flowPolicies: number; stages: DiagramStage[] }) {
  const nodes: JSX.Element[] = [];
  let y = 10;
  const push = (el: JSX.Element, last = false) => {
    nodes.push(el);
    if (!last) nodes.push(<Arrow key={`a${y}`} y={y + NODE_H} />);
    y += NODE_H + GAP;
  };
  push(<Node key="start" y={y} title={props.title} subtitle={`start · ${props.designation}`} fill="#e8eefc" stroke="#2457c5" rounded={28} />);
  if (props.flowPolicies > 0) {
    push(<Node key="fp" y={y} title="Flow policies" subtitle={`${props.flowPolicies} binding${props.flowPolicies > 1 ? "s" : ""} · denied → access denied`} fill="#fdf3e1" stroke="#b7791f" />);
  }
  props.stages.forEach((s, i) =>
    push(
      <Node
        key={`s${i}`}
        index={i}
        y={y}
        title={s.name}
        subtitle={`${s.order} · ${s.kind}${s.policies ? (s.evaluateOnPlan ? " · policies at planning" : s.reEvaluate ? " · policies on arrival" : "") : ""}`}
        fill="#fff"
        stroke="#c5cad3"
        badge={s.policies ? `${s.policies} polic${s.policies > 1 ? "ies" : "y"}` : undefined}
      />,
    ),
  );
  push(<Node key="end" y={y} title="Done" subtitle={props.stages.length ? "flow complete" : "no stages bound"} fill="#e3f5ea" stroke="#1e8a4c" rounded={28} />, true);
  const height = y - GAP + 12;
  return (
    <div class="diagram" data-testid="flow-diagram">
      <svg viewBox={`0 0 ${W} ${height}`} role="img" aria-label={`Diagram of ${props.title}`} style={{ maxWidth: `${W * 1.25}px`, margin: "0 auto" }}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#8a94a6" />
          </marker>
        </defs>
        {nodes}
      </svg>
    </div>
  );
}
