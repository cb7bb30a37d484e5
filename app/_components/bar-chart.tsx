import { ChartTable } from "@/app/_components/chart-table";

/** A small accessible grouped bar chart (SVG), with the numbers in a data table anyone can open. */
export function BarChart({
  title,
  data,
  series,
  xLabel = "Day",
}: {
  title: string;
  data: { label: string; values: number[] }[];
  series: { name: string; className: string }[];
  /** The first column of the data table. */
  xLabel?: string;
}) {
  const max = niceMax(Math.max(1, ...data.flatMap((d) => d.values)));
  // Wide and short: the chart fills its card, and at card widths its text renders at about 12 px.
  const width = 1000;
  const height = 170;
  const gutter = 36;
  const plot = width - gutter;
  const groupWidth = plot / Math.max(1, data.length);
  const barWidth = Math.max(2, (groupWidth * 0.8) / series.length);
  const x = (i: number) => gutter + i * groupWidth + groupWidth * 0.1;
  // About seven labels, counted back from the newest so that the last period is always named.
  const labelEvery = Math.ceil(data.length / 7);
  // Counts: a half-way line only where it falls on a whole number.
  const ticks = Number.isInteger(max / 2) ? [max, max / 2, 0] : [max, 0];
  return (
    <figure>
      <svg viewBox={`0 0 ${width} ${height + 22}`} className="h-auto w-full" role="img" aria-label={title}>
        {ticks.map((t) => {
          const y = height - (t / max) * (height - 10);
          return (
            <g key={t}>
              <line x1={gutter} x2={width} y1={y} y2={y} className={t === 0 ? "stroke-slate-300 dark:stroke-slate-700" : "stroke-slate-200 dark:stroke-slate-800"} strokeDasharray={t === 0 ? undefined : "3 4"} />
              <text x={gutter - 6} y={y + 4} textAnchor="end" className="fill-slate-500 text-[11px] tabular-nums dark:fill-slate-400">
                {t}
              </text>
            </g>
          );
        })}
        {data.map((d, i) =>
          d.values.map((v, s) => {
            const h = (v / max) * (height - 10);
            return (
              <rect key={`${d.label}-${s}`} x={x(i) + s * barWidth} y={height - h} width={Math.max(1, barWidth - 1)} height={h} className={series[s]?.className}>
                <title>{`${d.label}: ${v} ${series[s]?.name ?? ""}`}</title>
              </rect>
            );
          }),
        )}
        {data.map((d, i) =>
          (data.length - 1 - i) % labelEvery === 0 ? (
            <text
              key={d.label}
              x={i === data.length - 1 ? width : gutter + (i + 0.5) * groupWidth}
              y={height + 16}
              textAnchor={i === data.length - 1 ? "end" : "middle"}
              className="fill-slate-500 text-[11px] dark:fill-slate-400"
            >
              {d.label.slice(5)}
            </text>
          ) : null,
        )}
      </svg>
      <figcaption className="mt-2 flex gap-4 text-xs text-slate-600 dark:text-slate-400">
        {series.map((s) => (
          <span key={s.name} className="flex items-center gap-1">
            <svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" className={s.className} /></svg>
            {s.name}
          </span>
        ))}
      </figcaption>
      <ChartTable caption={title} columns={[xLabel, ...series.map((s) => s.name)]} rows={data.map((d) => [d.label, ...d.values])} />
    </figure>
  );
}

/** The axis top: the largest value rounded up to 1, 2 or 5 times a power of ten, so the gridlines read as round numbers. */
function niceMax(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((f) => f * magnitude >= value) ?? 10;
  return step * magnitude;
}
