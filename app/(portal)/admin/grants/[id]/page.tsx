// Admins reach a grant from alerts (failing revocation, provisioning failure): the same page, where
// the server shows them the revoke panel.
export { default, metadata } from "@/app/(portal)/access/grants/[id]/page";
