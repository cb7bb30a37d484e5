import type { ReactNode } from "react";
import { redirect } from "next/navigation";
import { AdminTabs } from "@/app/_components/admin-tabs";
import { api } from "@/server/trpc/server";

export default async function AdminLayout({ children }: { children: ReactNode }) {
  const me = await (await api()).me.get();
  if (!me.areas.admin) redirect("/");
  return (
    <>
      <AdminTabs />
      {children}
    </>
  );
}
