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
  const max = Math.max(1, ...data.flatMap((d) => d.values));
  const width = 640;
  const height = 160;
  const groupWidth = width / Math.max(1, data.length);
  const barWidth = Math.max(2, (groupWidth - 6) / series.length);
  return (
    <figure>
      <svg viewBox={`0 0 ${width} ${height + 20}`} className="h-auto w-full max-w-3xl" role="img" aria-label={title}>
        <line x1="0" x2={width} y1={height} y2={height} className="stroke-slate-300 dark:stroke-slate-700" />
        {data.map((d, i) =>
          d.values.map((v, s) => {
            const h = (v / max) * (height - 10);
            return (
              <rect
                key={`${d.label}-${s}`}
                x={i * groupWidth + 3 + s * barWidth}
                y={height - h}
                width={barWidth - 1}
                height={h}
                className={series[s]?.className}
              >
                <title>{`${d.label}: ${v} ${series[s]?.name ?? ""}`}</title>
              </rect>
            );
          }),
        )}
        {data.map((d, i) =>
          i % Math.ceil(data.length / 7) === 0 ? (
            <text key={d.label} x={i * groupWidth + 2} y={height + 14} className="fill-slate-500 text-[10px]">
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
