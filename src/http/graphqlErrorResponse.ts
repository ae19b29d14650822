/**
 * Answers to requests refused before GraphQL runs (no token, a body too large, malformed JSON): the same JSON shape
 * a GraphQL error has, with a status that says what happened, and never a stack, a path or an HTML page.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';

export type HttpRefusalCode = 'UNAUTHENTICATED' | 'BAD_REQUEST' | 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'NOT_FOUND' | 'INTERNAL_SERVER_ERROR';

/** The JSON of such an answer: one error with a message and a code. */
export function graphQLErrorJson(code: HttpRefusalCode, message: string): string {
  return JSON.stringify({ errors: [{ message, extensions: { code } }] });
}

/** Answers in full: for refusals made once the body has been read (a refusal before it: refuseUnread.ts). */
export function sendGraphQLError(res: Response, status: number, code: HttpRefusalCode, message: string): void {
  if (res.headersSent) return;
  res.status(status).type('application/json').set('Cache-Control', 'no-store');
  res.send(graphQLErrorJson(code, message));
}

/** body-parser's errors, by their `type`, as a client should read them. */
const BODY_ERRORS: Record<string, { status: number; code: HttpRefusalCode; message: (limit?: number) => string }> = {
  'entity.parse.failed': { status: 400, code: 'BAD_REQUEST', message: () => 'The request body is not valid JSON' },
  'entity.too.large': { status: 413, code: 'PAYLOAD_TOO_LARGE', message: (limit) => `The request body is larger than ${limit ?? 'allowed'} bytes` },
  'encoding.unsupported': { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: () => 'The request body has an unsupported content encoding' },
  'charset.unsupported': { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: () => 'The request body has an unsupported charset' },
  'request.aborted': { status: 400, code: 'BAD_REQUEST', message: () => 'The request body was not sent completely' },
  'request.size.invalid': { status: 400, code: 'BAD_REQUEST', message: () => 'The request body does not match its Content-Length' },
};

/**
 * The last error handler: errors a client caused are answered as above; anything else is ours, logged by the
 * caller of `onInternal`, and answered with a generic 500.
 */
export function clientErrorHandler(onInternal: (error: unknown) => void): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const type = (error as { type?: unknown }).type;
    const known = typeof type === 'string' ? BODY_ERRORS[type] : undefined;
    if (known !== undefined) {
      const limit = (error as { limit?: unknown }).limit;
      sendGraphQLError(res, known.status, known.code, known.message(typeof limit === 'number' ? limit : undefined));
      return;
    }
    // Other errors body-parser marks as the client's (a body that does not decompress, say): a plain 400.
    const status = (error as { status?: unknown }).status;
    if ((error as { expose?: unknown }).expose === true && typeof status === 'number' && status >= 400 && status < 500) {
      sendGraphQLError(res, 400, 'BAD_REQUEST', 'The request body could not be read');
      return;
    }
    onInternal(error);
    sendGraphQLError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
  };
}

/** Anything not served here: JSON rather than Express's HTML page. */
export function notFoundHandler(): RequestHandler {
  return (_req, res) => sendGraphQLError(res, 404, 'NOT_FOUND', 'Not found');
}
