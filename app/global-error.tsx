"use client";

export default function GlobalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: "system-ui, sans-serif", padding: "3rem", maxWidth: 560, margin: "0 auto" }}>
        <h1>Keycard is having trouble</h1>
        <p>The page could not be shown. Nothing was changed.{error.digest ? ` Reference: ${error.digest}.` : ""}</p>
        <button type="button" onClick={reset}>Try again</button>
      </body>
    </html>
  );
}
