/**
 * The admin's Salesforce connect page (ADMIN_UI=true): static files from admin-ui/ at the package root, served
 * as they are (no build step), under a Content-Security-Policy that allows this origin only. The page talks to
 * this service's own /graphql with the bearer token the admin gives it; nothing here knows about tenants.
 */
import path from 'node:path';
import express, { type RequestHandler, type Router } from 'express';

export const ADMIN_PAGE_PATH = '/admin/salesforce';

/** Resolved from this file, so it is the same folder whether the code runs from src/ or dist/. */
export const ADMIN_UI_DIR = path.resolve(__dirname, '..', '..', 'admin-ui');

/** Scripts, styles and requests from this origin only; no inline code, no framing, no form posts anywhere. */
export const ADMIN_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'Content-Security-Policy': ADMIN_PAGE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cache-Control': 'no-cache',
  });
  next();
};

/** `GET /admin/salesforce` (with or without a trailing slash) is the page; its scripts and styles sit beneath it. */
export function adminPageRouter(directory: string = ADMIN_UI_DIR): Router {
  const router = express.Router();
  router.use(ADMIN_PAGE_PATH, securityHeaders);
  router.get(ADMIN_PAGE_PATH, (_req, res, next) => res.sendFile(path.join(directory, 'index.html'), (error) => error && next(error)));
  router.use(ADMIN_PAGE_PATH, express.static(directory, { index: false, redirect: false, dotfiles: 'ignore', fallthrough: true }));
  return router;
}
