// Request URLs as they are logged: the values of query parameters that carry credentials
// (`/?key=` and `/dashboard?key=` log in with a full API key) are replaced, so that no secret
// reaches the log.
import type { FastifyRequest } from 'fastify';

/** Written in place of a redacted query value. */
export const REDACTED = '[redacted]';

// Parameter names that carry a credential: `key`, `api_key`, `apiKey`, `token`, `access_token`,
// `client_secret`, `password`, `sig`, `session`, `jwt`, `code` (an OAuth grant), and the like.
const SECRET_NAME =
  /(?:^|[-_.])(?:key|token|secret|pass(?:word)?|passwd|pwd|auth|authorization|sig|signature|session|sid|jwt|code|credentials?)s?$/i;
// A value that looks like a key whatever its parameter is called: a Parley key, a JWT.
const SECRET_VALUE = /(?:^|[^A-Za-z0-9])(?:parley_[A-Za-z0-9_-]{8,}|eyJ[\w-]{8,}\.[\w-]{8,}\.)/;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** `url` (a path with its query) with the values of credential-bearing parameters replaced. */
export function redactUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const hash = url.indexOf('#', mark);
  const query = url.slice(mark + 1, hash < 0 ? undefined : hash);
  const parts = query.split('&').map((part) => {
    const equals = part.indexOf('=');
    const name = decoded(equals < 0 ? part : part.slice(0, equals));
    const value = equals < 0 ? '' : part.slice(equals + 1);
    // camelCase words are separated first (`apiKey` -> `api_Key`), so `monkey` is not a key.
    const words = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2');
    if (SECRET_NAME.test(words) || SECRET_VALUE.test(decoded(value))) {
      return `${equals < 0 ? part : part.slice(0, equals)}=${REDACTED}`;
    }
    return part;
  });
  return `${url.slice(0, mark)}?${parts.join('&')}`;
}

/** The `req` log serializer: Fastify's own fields, with the URL redacted. */
export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
