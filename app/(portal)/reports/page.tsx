import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { BarChart } from "@/app/_components/bar-chart";
import { Card, PageHeader, Stat } from "@/app/_components/ui";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Reports" };

export default async function ReportsPage() {
  const trpc = await api();
  const me = await trpc.me.get();
  if (!me.areas.reports) redirect("/");
  const m = await trpc.reports.metrics();
  return (
    <>
      <PageHeader title="Reports" description={`Access activity over the last ${m.days} days.`} />
      <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-5">
        <Stat label="Requests" value={m.requests} />
        <Stat label="Approval rate" value={m.approvalRate === null ? "—" : `${Math.round(m.approvalRate * 100)}%`} hint="approved ÷ decided" />
        <Stat label="Denied" value={m.denied} />
        <Stat label="Active grants now" value={m.activeGrants} />
        <Stat label="Break-glass" value={m.breakGlass} />
      </dl>
      <Card title="Requests and grants per day" className="mt-6">
        <BarChart
          title="Requests and grants per day"
          data={m.daily.map((d) => ({ label: d.day, values: [d.requests, d.grants] }))}
          series={[
            { name: "Requests", className: "fill-brand-500" },
            { name: "Grants started", className: "fill-emerald-500" },
          ]}
        />
      </Card>
    </>
  );
}
