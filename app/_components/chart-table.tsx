import type { ReactNode } from "react";

/**
 * The numbers behind a chart, as a table anyone can open (and screen readers read): every chart on the
 * reports pages has one, so nothing is only a colour or a bar length.
 */
export function ChartTable({ caption, columns, rows }: { caption: string; columns: string[]; rows: ReactNode[][] }) {
  return (
    <details className="mt-2 text-xs">
      <summary className="cursor-pointer text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-white">Data table</summary>
      <div className="relative mt-2 overflow-x-auto">
        <table className="w-full text-left">
          <caption className="sr-only">{caption}</caption>
          <thead>
            <tr>
              {columns.map((column, i) => (
                <th key={column} scope="col" className={i === 0 ? "py-1 pr-3 font-semibold" : "py-1 pr-3 text-right font-semibold"}>
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, r) => (
              <tr key={r} className="border-t border-slate-100 dark:border-slate-800">
                {row.map((cell, c) =>
                  c === 0 ? (
                    <th key={c} scope="row" className="py-1 pr-3 font-normal">
                      {cell}
                    </th>
                  ) : (
                    <td key={c} className="py-1 pr-3 text-right tabular-nums">
                      {cell}
                    </td>
                  ),
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
