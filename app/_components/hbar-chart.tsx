import { ChartTable } from "@/app/_components/chart-table";

/**
 * Horizontal bars for comparing a handful of figures (outcomes, percentiles): the label and the value are
 * written next to each bar, so the bar only adds the proportion; the data table follows.
 */
export function HBarChart({
  title,
  rows,
  valueHeader = "Value",
}: {
  title: string;
  rows: { label: string; value: number; display?: string; fill: string }[];
  valueHeader?: string;
}) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const rowHeight = 26;
  const labelWidth = 170;
  const width = 640;
  const barSpace = width - labelWidth - 90;
  return (
    <figure>
      <svg viewBox={`0 0 ${width} ${rows.length * rowHeight + 4}`} className="h-auto w-full max-w-3xl" role="img" aria-label={`${title}: ${rows.map((r) => `${r.label} ${r.display ?? r.value}`).join(", ")}`}>
        {rows.map((r, i) => {
          const w = Math.max(r.value > 0 ? 2 : 0, (r.value / max) * barSpace);
          return (
            <g key={r.label} transform={`translate(0 ${i * rowHeight + 2})`}>
              <text x={labelWidth - 8} y={15} textAnchor="end" className="fill-slate-700 text-[12px] dark:fill-slate-300">{r.label}</text>
              <rect x={labelWidth} y={3} width={w} height={rowHeight - 8} rx={2} className={r.fill}>
                <title>{`${r.label}: ${r.display ?? r.value}`}</title>
              </rect>
              <text x={labelWidth + w + 6} y={15} className="fill-slate-700 text-[12px] tabular-nums dark:fill-slate-300">{r.display ?? r.value.toLocaleString("en")}</text>
            </g>
          );
        })}
      </svg>
      <ChartTable caption={title} columns={["Measure", valueHeader]} rows={rows.map((r) => [r.label, r.display ?? r.value.toLocaleString("en")])} />
    </figure>
  );
}
