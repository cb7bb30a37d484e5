/** Keycard's mark: a key card with a clock notch — access that expires. */
export function KeycardMark({ className }: { className?: string }) {
  return (
    <svg viewBox="0 0 40 40" className={className} aria-hidden="true">
      <rect x="4" y="8" width="32" height="24" rx="4" className="fill-brand-600" />
      <rect x="9" y="14" width="10" height="3" rx="1.5" className="fill-white/90" />
      <rect x="9" y="20" width="6" height="3" rx="1.5" className="fill-white/60" />
      <circle cx="28" cy="20" r="5" className="fill-none stroke-white" strokeWidth="2" />
      <path d="M28 17.5V20l1.8 1.2" className="fill-none stroke-white" strokeWidth="1.6" strokeLinecap="round" />
    </svg>
  );
}
