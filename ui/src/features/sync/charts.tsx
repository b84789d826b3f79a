// Small hand-drawn SVG charts: they take the theme's colours from CSS, need no canvas, and each
// comes with its numbers as a table (for screen readers, and for people who prefer to read).
import type { ComponentChildren } from "preact";

export interface Series {
  name: string;
  /** One value per x label; null where there is no data. */
  values: (number | null)[];
  /** CSS colour, e.g. var(--chart-1). */
  color: string;
  dashed?: boolean;
}

const W = 640;
const H = 220;
const PAD = { left: 48, right: 12, top: 10, bottom: 28 };

/** A round number a bit above `max`, for the top of the axis. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const pow = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * pow >= max) return m * pow;
  return 10 * pow;
}

export const COLORS = ["var(--chart-1)", "var(--chart-2)", "var(--chart-3)", "var(--chart-4)", "var(--chart-5)", "var(--chart-6)", "var(--chart-7)", "var(--chart-8)"];

function DataTable(props: { labels: string[]; series: Series[]; format: (v: number) => string; caption: string }) {
  return (
    <details class="chart-table">
      <summary>Show as a table</summary>
      <div class="table-scroll">
        <table class="data">
          <caption class="visually-hidden">{props.caption}</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              {props.series.map((s) => (
                <th scope="col" key={s.name}>
                  <bdi>{s.name}</bdi>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.labels.map((l, i) => (
              <tr key={i}>
                <th scope="row">{l}</th>
                {props.series.map((s) => {
                  const v = s.values[i];
                  return <td key={s.name}>{v === null || v === undefined ? "—" : props.format(v)}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

function Legend(props: { series: Series[] }) {
  return (
    <ul class="legend" aria-hidden="true">
      {props.series.map((s) => (
        <li key={s.name}>
          <span class={s.dashed ? "swatch dashed" : "swatch"} style={{ borderColor: s.color, background: s.dashed ? "transparent" : s.color }} />
          <bdi>{s.name}</bdi>
        </li>
      ))}
    </ul>
  );
}

/**
 * A line chart (or stacked areas) over labelled x positions. `summary` is the chart's accessible
 * description in words.
 */
export function LineChart(props: {
  id: string;
  title: string;
  summary: string;
  labels: string[];
  /** Labels shown under the axis (every few), default: about six of `labels`. */
  tickEvery?: number;
  series: Series[];
  stacked?: boolean;
  format: (v: number) => string;
  empty?: ComponentChildren;
}) {
  const { labels, series } = props;
  const n = labels.length;
  const stackedValues: number[][] = [];
  if (props.stacked) {
    const acc = Array.from({ length: n }, () => 0);
    for (const s of series) {
      stackedValues.push(s.values.map((v, i) => (acc[i] = (acc[i] ?? 0) + (v ?? 0))));
    }
  }
  const all = props.stacked ? (stackedValues[stackedValues.length - 1] ?? []) : series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const hasData = all.some((v) => v > 0);
  const top = niceMax(Math.max(0, ...all));
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (n <= 1 ? iw / 2 : (i * iw) / (n - 1));
  const y = (v: number) => PAD.top + ih - (v / top) * ih;
  const every = props.tickEvery ?? Math.max(1, Math.ceil(n / 6));
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => f * top);

  const path = (values: (number | null)[]) => {
    let d = "";
    let pen = false;
    values.forEach((v, i) => {
      if (v === null || v === undefined) {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    return d;
  };
  const area = (upper: number[], lower: number[] | undefined) => {
    const up = upper.map((v, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join("");
    const down = (lower ?? upper.map(() => 0))
      .map((v, i) => [i, v] as const)
      .reverse()
      .map(([i, v]) => `L${x(i).toFixed(1)},${y(v).toFixed(1)}`)
      .join("");
    return `${up}${down}Z`;
  };

  return (
    <figure class="chart" id={props.id}>
      <figcaption class="chart-title">{props.title}</figcaption>
      {!hasData && props.empty ? (
        <div class="chart-empty">{props.empty}</div>
      ) : (
        <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${props.title}. ${props.summary}`} class="chart-svg">
          {grid.map((g) => (
            <g key={g}>
              <line x1={PAD.left} x2={W - PAD.right} y1={y(g)} y2={y(g)} class="grid" />
              <text x={PAD.left - 6} y={y(g) + 4} class="axis" text-anchor="end">
                {props.format(g)}
              </text>
            </g>
          ))}
          {labels.map((l, i) =>
            i % every === 0 || i === n - 1 ? (
              <text key={i} x={x(i)} y={H - 8} class="axis" text-anchor={i === 0 ? "start" : i === n - 1 ? "end" : "middle"}>
                {l}
              </text>
            ) : null,
          )}
          {props.stacked
            ? series.map((s, k) => (
                <path key={s.name} d={area(stackedValues[k] ?? [], k > 0 ? stackedValues[k - 1] : undefined)} style={{ fill: s.color }} class="area" />
              ))
            : series.map((s) => (
                <g key={s.name}>
                  <path d={path(s.values)} style={{ stroke: s.color }} class={s.dashed ? "line dashed" : "line"} />
                  {/* A value with no neighbour draws no line: show it as a dot (a sync that has
                      only just started has one minute of response times). */}
                  {s.values.map((v, i) =>
                    v !== null && v !== undefined && (s.values[i - 1] ?? null) === null && (s.values[i + 1] ?? null) === null ? (
                      <circle key={i} cx={x(i)} cy={y(v)} r={3} class="dot" style={{ fill: s.color }} />
                    ) : null,
                  )}
                </g>
              ))}
          {labels.map((l, i) => (
            <rect key={`hover-${i}`} x={x(i) - iw / Math.max(n - 1, 1) / 2} y={PAD.top} width={iw / Math.max(n - 1, 1)} height={ih} class="hover">
              <title>
                {`${l}\n${series.map((s) => `${s.name}: ${s.values[i] === null || s.values[i] === undefined ? "—" : props.format(s.values[i] as number)}`).join("\n")}`}
              </title>
            </rect>
          ))}
        </svg>
      )}
      <Legend series={series} />
      <DataTable labels={labels} series={series} format={props.format} caption={props.title} />
    </figure>
  );
}

/** Horizontal bars with an optional whisker (e.g. median and 90th percentile). */
export function BarChart(props: {
  id: string;
  title: string;
  summary: string;
  rows: { label: string; value: number | null; whisker?: number | null; note?: string }[];
  format: (v: number) => string;
  valueName: string;
  whiskerName?: string;
  empty?: ComponentChildren;
}) {
  const max = niceMax(Math.max(0, ...props.rows.flatMap((r) => [r.value ?? 0, r.whisker ?? 0])));
  const pct = (v: number) => `${Math.min(100, (v / max) * 100).toFixed(1)}%`;
  const has = props.rows.some((r) => r.value !== null);
  return (
    <figure class="chart bars" id={props.id}>
      <figcaption class="chart-title">{props.title}</figcaption>
      {!has && props.empty ? (
        <div class="chart-empty">{props.empty}</div>
      ) : (
        <ul class="bar-list" aria-label={`${props.title}. ${props.summary}`}>
          {props.rows.map((r) => (
            <li key={r.label}>
              <bdi class="bar-label">{r.label}</bdi>
              <span class="bar-track" aria-hidden="true">
                {r.value !== null && <span class="bar-fill" style={{ width: pct(r.value) }} />}
                {r.whisker !== null && r.whisker !== undefined && <span class="bar-whisker" style={{ insetInlineStart: pct(r.whisker) }} />}
              </span>
              <span class="bar-value">
                {r.value === null ? "—" : `${props.valueName} ${props.format(r.value)}`}
                {r.whisker !== null && r.whisker !== undefined && props.whiskerName ? ` · ${props.whiskerName} ${props.format(r.whisker)}` : ""}
                {r.note && <span class="muted"> · {r.note}</span>}
              </span>
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
