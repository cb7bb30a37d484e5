export function DemoBanner() {
  return (
    <div role="note" className="bg-amber-100 px-4 py-1.5 text-center text-sm text-amber-950 dark:bg-amber-900 dark:text-amber-50">
      <strong>Demo mode:</strong> anyone can sign in as any persona. Never run demo mode with real access.
    </div>
  );
}
