"use server";

import { AuthError } from "next-auth";
import { redirect } from "next/navigation";
import { signIn } from "@/server/auth";

function safeCallback(value: FormDataEntryValue | null): string {
  const target = typeof value === "string" ? value : "/";
  // Only same-site paths: never an open redirect.
  return target.startsWith("/") && !target.startsWith("//") ? target : "/";
}

export async function signInAsPersona(formData: FormData) {
  try {
    await signIn("demo", { identityId: formData.get("identityId"), redirectTo: safeCallback(formData.get("callbackUrl")) });
  } catch (error) {
    // A refused persona throws CredentialsSignin; anything else (including Next's redirect) goes on up.
    if (error instanceof AuthError) redirect(`/signin?error=${encodeURIComponent(error.type)}`);
    throw error;
  }
}

export async function signInWithSso(formData: FormData) {
  await signIn("oidc", { redirectTo: safeCallback(formData.get("callbackUrl")) });
}
