/**
 * A small line chart in SVG (no chart library: the dashboard needs two series over a few days).
 * The viewBox scales with the card; labels thin out when there are many points.
 */
export interface Series {
  label: string;
  color: string;
  values: number[];
}

export function LineChart(props: { labels: string[]; series: Series[]; height?: number; title: string }) {
  const W = 640;
  const H = props.height ?? 220;
  const pad = { l: 36, r: 12, t: 12, b: 28 };
  const n = props.labels.length;
  const max = Math.max(1, ...props.series.flatMap((s) => s.values));
  const step = max <= 5 ? 1 : Math.ceil(max / 4 / Math.pow(10, Math.floor(Math.log10(max / 4)))) * Math.pow(10, Math.floor(Math.log10(max / 4)));
  const top = Math.ceil(max / step) * step;
  const x = (i: number) => pad.l + (n <= 1 ? 0 : (i * (W - pad.l - pad.r)) / (n - 1));
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / top);
  const ticks: number[] = [];
  for (let v = 0; v <= top; v += step) ticks.push(v);
  const every = Math.ceil(n / 8);
  return (
    <div class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.title}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={pad.l} x2={W - pad.r} y1={y(t)} y2={y(t)} stroke="#e2e5ea" />
            <text x={pad.l - 6} y={y(t) + 4} text-anchor="end" font-size="11" fill="#5d6778">
              {t}
            </text>
          </g>
        ))}
        {props.labels.map((l, i) =>
          i % every === 0 || i === n - 1 ? (
            <text key={l} x={x(i)} y={H - 8} text-anchor="middle" font-size="11" fill="#5d6778">
              {l}
            </text>
          ) : null,
        )}
        {props.series.map((s) => (
          <g key={s.label}>
            <polyline fill="none" stroke={s.color} stroke-width="2.5" stroke-linejoin="round" points={s.values.map((v, i) => `${x(i)},${y(v)}`).join(" ")} />
            {s.values.map((v, i) => (
              <circle key={i} cx={x(i)} cy={y(v)} r="3.5" fill={s.color}>
                <title>{`${s.label}, ${props.labels[i]}: ${v}`}</title>
              </circle>
            ))}
          </g>
        ))}
      </svg>
      <div class="legend">
        {props.series.map((s) => (
          <span key={s.label}>
            <i style={{ background: s.color }} />
            {s.label}: {s.values.reduce((a, b) => a + b, 0)}
          </span>
        ))}
      </div>
    </div>
  );
}
