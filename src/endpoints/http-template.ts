/**
 * The URL an HTTP endpoint (src/config/http-endpoint-def.ts) sends a message to: its uri-template with
 * the message's `uri.var.*` and `query.param.*` properties put in, as RFC 6570 expands them: `{v}`
 * %-encoded (unreserved characters kept), `{+v}` as it is, `{?a,b}` and `{&a,b}` as query parameters,
 * an unset variable as nothing.
 */
import { MoorError } from '../errors.ts';
import { type MessageContext } from '../message/context.ts';

/** The template with the message's variables in it. Throws MOOR_ERR_MEDIATION when that is no http(s) URL. */
export function expandHttpTemplate(template: string, msg: MessageContext): string {
  const value = (name: string): string | undefined => {
    if (!name.startsWith('uri.var.') && !name.startsWith('query.param.')) return undefined;
    const v = msg.properties.get(name);
    return v === undefined || v === null ? undefined : String(v);
  };
  const url = template.replace(/\{([+?&]?)([^}]*)\}/g, (_, op: string, names: string) => {
    const list = names.split(',').map((n) => n.trim());
    if (op === '?' || op === '&') {
      const pairs = list.flatMap((n) => {
        const v = value(n);
        // (the parameter is named by the last part of the property: {?query.param.q} gives q=…)
        return v === undefined ? [] : [`${encodeURIComponent(n.slice(n.lastIndexOf('.') + 1))}=${encodeURIComponent(v)}`];
      });
      return pairs.length ? `${op}${pairs.join('&')}` : '';
    }
    return list.map((n) => value(n)).filter((v): v is string => v !== undefined).map((v) => (op === '+' ? encodeURI(v) : encodeURIComponent(v))).join(',');
  });
  if (!/^https?:\/\/[^/]/i.test(url)) throw new MoorError('MOOR_ERR_MEDIATION', `the HTTP endpoint's uri-template "${template}" gave "${url}", which is not an http(s) URL`);
  return url;
}
