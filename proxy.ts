import NextAuth from "next-auth";
import { baseAuthConfig } from "@/server/auth/base-config";

// Coarse route protection from the session cookie alone (no database): unauthenticated visitors are sent
// to /signin. Pages and procedures still resolve the identity on every request (disabled → signed out).
const { auth } = NextAuth(() => baseAuthConfig());

export default auth;

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
