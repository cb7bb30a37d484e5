import Link from "next/link";
import { KeycardMark } from "@/app/_components/keycard-mark";

export default function NotFound() {
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col items-center justify-center px-4 text-center">
      <KeycardMark className="h-12 w-12" />
      <h1 className="mt-4 text-2xl font-semibold">Page not found</h1>
      <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">This room doesn’t exist — or your key card doesn’t open it. Check the address, or go back to the start.</p>
      <Link href="/" className="mt-6 rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">Back to Keycard</Link>
    </main>
  );
}
