"use client";

import { useEffect, useState } from "react";

function format(ms: number): string {
  if (ms <= 0) return "ended";
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, "0")} min`;
  if (m > 0) return `${m} min ${String(sec).padStart(2, "0")} s`;
  return `${sec} s`;
}

/**
 * Time left until `endsAt`, ticking every second. `serverNow` (when the page was rendered) corrects a
 * skewed client clock. Announced politely to screen readers only once a minute.
 */
export function Countdown({ endsAt, serverNow, label = "left" }: { endsAt: string; serverNow?: string; label?: string }) {
  const [offset] = useState(() => (serverNow ? new Date(serverNow).getTime() - Date.now() : 0));
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    const tick = () => setNow(Date.now() + offset);
    tick();
    const timer = setInterval(tick, 1000);
    return () => clearInterval(timer);
  }, [offset]);
  const end = new Date(endsAt).getTime();
  const remaining = now === null ? null : end - now;
  return (
    <span className="tabular-nums" title={new Date(endsAt).toISOString()}>
      {remaining === null ? "…" : remaining <= 0 ? "ended" : `${format(remaining)} ${label}`}
    </span>
  );
}
