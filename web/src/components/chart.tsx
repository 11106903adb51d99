/**
 * A small grouped bar chart in SVG (no chart library: the dashboard needs two series over a few
 * days). Drawn at the card's pixel width so text stays legible on phones; labels thin out.
 */
import { useCallback, useRef, useState } from "preact/hooks";

export interface Series {
  label: string;
  color: string;
  values: number[];
}

/** The element's width in CSS pixels, so the SVG is drawn at 1:1 and its text stays legible on phones. */
function useWidth(fallback: number): [(el: HTMLDivElement | null) => void, number] {
  const [width, setWidth] = useState(fallback);
  const observer = useRef<ResizeObserver | null>(null);
  const ref = useCallback((el: HTMLDivElement | null) => {
    observer.current?.disconnect();
    if (!el) return;
    observer.current = new ResizeObserver(([entry]) => entry && setWidth(Math.round(entry.contentRect.width)));
    observer.current.observe(el);
  }, []);
  return [ref, width];
}

export function BarChart(props: { labels: string[]; series: Series[]; height?: number; title: string }) {
  const [ref, measured] = useWidth(640);
  const W = Math.max(280, measured);
  const H = props.height ?? (W < 480 ? 180 : 220);
  const pad = { l: 36, r: 12, t: 12, b: 28 };
  const n = props.labels.length;
  const max = Math.max(1, ...props.series.flatMap((s) => s.values));
  const step = max <= 5 ? 1 : Math.ceil(max / 4 / Math.pow(10, Math.floor(Math.log10(max / 4)))) * Math.pow(10, Math.floor(Math.log10(max / 4)));
  const top = Math.ceil(max / step) * step;
  const band = (W - pad.l - pad.r) / Math.max(1, n);
  const x = (i: number) => pad.l + band * (i + 0.5);
  const barW = Math.min(18, (band * 0.7) / Math.max(1, props.series.length));
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / top);
  const ticks: number[] = [];
  for (let v = 0; v <= top; v += step) ticks.push(v);
  const every = Math.ceil(n / Math.max(2, Math.floor(W / 70)));
  return (
    <div class="chart" ref={ref}>
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
          (n - 1 - i) % every === 0 ? (
            <text key={l} x={x(i)} y={H - 8} text-anchor="middle" font-size="11" fill="#5d6778">
              {l}
            </text>
          ) : null,
        )}
        {props.series.map((s, k) =>
          s.values.map((v, i) => {
            const left = x(i) - (barW * props.series.length) / 2 + k * barW;
            return (
              <rect key={`${k}-${i}`} x={left + 1} y={y(v)} width={barW - 2} height={Math.max(0, y(0) - y(v))} rx="2" fill={s.color}>
                <title>{`${s.label}, ${props.labels[i]}: ${v}`}</title>
              </rect>
            );
          }),
        )}
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
