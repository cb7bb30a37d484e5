import NextAuth, { type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { baseAuthConfig } from "@/server/auth/base-config";
import { oidcProvider, parseRoleMap, readGroupsClaim, rolesFromGroups } from "@/server/auth/oidc";
import { db } from "@/server/db";
import { signInAsDemoPersona, signInWithOidc } from "@/server/domain/identities/sign-in";
import { env } from "@/server/env";
import { isDomainError } from "@/server/errors";

const ZDemoCredentials = z.object({ identityId: z.uuid() });

/** A user object that the signIn callback turns into "access denied" (a disabled identity). */
const REFUSED = "refused";

function authConfig(): NextAuthConfig {
  const config = env();
  const base = baseAuthConfig();
  const providers: NextAuthConfig["providers"] = [];

  if (config.oidcEnabled && config.AUTH_OIDC_ISSUER && config.AUTH_OIDC_CLIENT_ID && config.AUTH_OIDC_CLIENT_SECRET) {
    const roleMap = parseRoleMap(config.AUTH_OIDC_ROLE_MAP);
    const issuer = config.AUTH_OIDC_ISSUER;
    const provider = oidcProvider({
      issuer,
      clientId: config.AUTH_OIDC_CLIENT_ID,
      clientSecret: config.AUTH_OIDC_CLIENT_SECRET,
      name: config.AUTH_OIDC_NAME,
      groupsClaim: config.AUTH_OIDC_GROUPS_CLAIM,
    });
    providers.push({
      ...provider,
      // The identity is created or updated here, where the IdP's claims are at hand.
      async profile(profile: Record<string, unknown>) {
        const groups = readGroupsClaim(profile, config.AUTH_OIDC_GROUPS_CLAIM);
        try {
          const actor = await signInWithOidc(db(), {
            issuer,
            subject: String(profile.sub),
            email: typeof profile.email === "string" ? profile.email : null,
            emailVerified: typeof profile.email_verified === "boolean" ? profile.email_verified : null,
            name: String(profile.name ?? profile.preferred_username ?? profile.email ?? profile.sub),
            groups,
            roles: rolesFromGroups(groups, roleMap),
          });
          return { id: actor.id, name: actor.name, email: actor.email };
        } catch (error) {
          if (isDomainError(error) && error.code === "FORBIDDEN") return { id: REFUSED };
          throw error;
        }
      },
    });
  }

  if (config.demo) {
    providers.push(
      Credentials({
        id: "demo",
        name: "Demo persona",
        credentials: { identityId: { label: "Person", type: "text" } },
        async authorize(credentials) {
          const parsed = ZDemoCredentials.safeParse(credentials);
          if (!parsed.success) return null;
          try {
            const actor = await signInAsDemoPersona(db(), parsed.data.identityId);
            return { id: actor.id, name: actor.name, email: actor.email };
          } catch (error) {
            if (isDomainError(error)) return null;
            throw error;
          }
        },
      }),
    );
  }

  return {
    ...base,
    providers,
    callbacks: {
      ...base.callbacks,
      // For OAuth sign-ins Auth.js gives `user` a random id and keeps what profile() returned as
      // `account.providerAccountId`: that is the Keycard identity id (or REFUSED).
      signIn({ user, account }) {
        return (account?.type === "oidc" ? account.providerAccountId : user.id) !== REFUSED;
      },
      jwt({ token, user, account }) {
        if (account?.type === "oidc") token.sub = account.providerAccountId;
        else if (user?.id) token.sub = user.id;
        return token;
      },
      session({ session, token }) {
        if (token.sub) session.user.id = token.sub;
        return session;
      },
    },
  };
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => authConfig());
