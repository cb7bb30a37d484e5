import { ChartTable } from "@/app/_components/chart-table";

/**
 * A small accessible line chart (SVG) for trends over a few dozen points: one line per series with a
 * marker per point (each with its value as a tooltip), a zero-based axis with three ticks, and the data
 * table under it.
 */
export function LineChart({
  title,
  points,
  series,
  format = (v) => v.toLocaleString("en"),
  xLabel = "Date",
}: {
  title: string;
  points: { label: string; values: number[] }[];
  series: { name: string; stroke: string; fill: string; dashed?: boolean }[];
  format?: (value: number) => string;
  xLabel?: string;
}) {
  const width = 640;
  const height = 180;
  const left = 44;
  const bottom = 22;
  const plotWidth = width - left - 8;
  const plotHeight = height - bottom - 8;
  const max = Math.max(1, ...points.flatMap((p) => p.values));
  const x = (i: number) => left + (points.length <= 1 ? plotWidth / 2 : (i / (points.length - 1)) * plotWidth);
  const y = (v: number) => 8 + plotHeight - (v / max) * plotHeight;
  const ticks = [0, max / 2, max];
  const every = Math.max(1, Math.ceil(points.length / 6));
  return (
    <figure>
      <svg viewBox={`0 0 ${width} ${height}`} className="h-auto w-full max-w-3xl" role="img" aria-label={`${title}: ${series.map((s, i) => `${s.name} ${points.length ? format(points[points.length - 1]?.values[i] ?? 0) : "no data"}`).join(", ")} at the latest point`}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={left} x2={width - 8} y1={y(t)} y2={y(t)} className="stroke-slate-200 dark:stroke-slate-800" />
            <text x={left - 6} y={y(t) + 3} textAnchor="end" className="fill-slate-500 text-[10px]">{format(Math.round(t))}</text>
          </g>
        ))}
        {series.map((s, si) => (
          <g key={s.name}>
            <polyline
              fill="none"
              strokeWidth={2}
              strokeDasharray={s.dashed ? "5 4" : undefined}
              className={s.stroke}
              points={points.map((p, i) => `${x(i)},${y(p.values[si] ?? 0)}`).join(" ")}
            />
            {points.map((p, i) => (
              <circle key={i} cx={x(i)} cy={y(p.values[si] ?? 0)} r={3} className={s.fill}>
                <title>{`${p.label}: ${format(p.values[si] ?? 0)} ${s.name.toLowerCase()}`}</title>
              </circle>
            ))}
          </g>
        ))}
        {points.map((p, i) =>
          i % every === 0 || i === points.length - 1 ? (
            <text key={p.label + i} x={x(i)} y={height - 6} textAnchor={points.length > 1 && i === points.length - 1 ? "end" : points.length > 1 && i === 0 ? "start" : "middle"} className="fill-slate-500 text-[10px]">
              {p.label.slice(5)}
            </text>
          ) : null,
        )}
      </svg>
      <figcaption className="mt-1 flex flex-wrap gap-4 text-xs text-slate-600 dark:text-slate-400">
        {series.map((s) => (
          <span key={s.name} className="flex items-center gap-1">
            <svg width="16" height="8" aria-hidden="true">
              <line x1="0" x2="16" y1="4" y2="4" strokeWidth="2" strokeDasharray={s.dashed ? "4 3" : undefined} className={s.stroke} />
            </svg>
            {s.name}
          </span>
        ))}
      </figcaption>
      <ChartTable caption={title} columns={[xLabel, ...series.map((s) => s.name)]} rows={points.map((p) => [p.label, ...p.values.map((v) => format(v))])} />
    </figure>
  );
}
