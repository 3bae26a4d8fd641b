/** The ~1 KB SOAP envelopes the benchmark sends and the canned answer its backends give. */

/** A SOAP 1.1 request of about 1 KB carrying the session id in a syn:ClientID header block. */
export function requestEnvelope(session: string, n: number): string {
  const lines = Array.from({ length: 8 }, (_, i) => `<o:line sku="SKU-${1000 + i}" qty="${(n + i) % 7 + 1}">Item ${i} for ${session}</o:line>`).join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsa="http://www.w3.org/2005/08/addressing" ' +
    'xmlns:syn="http://ws.apache.org/ns/synapse" xmlns:o="urn:moor:bench:orders">' +
    '<soapenv:Header>' +
    '<wsa:Action>urn:moor:bench:orders/Submit</wsa:Action>' +
    `<wsa:MessageID>urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, '0')}</wsa:MessageID>` +
    `<syn:ClientID>${session}</syn:ClientID>` +
    '</soapenv:Header>' +
    `<soapenv:Body><o:Submit><o:customer>${session}</o:customer>${lines}</o:Submit></soapenv:Body>` +
    '</soapenv:Envelope>'
  );
}

/** The backends' canned answer, about 1 KB. */
export const RESPONSE_ENVELOPE = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:o="urn:moor:bench:orders">' +
    '<soapenv:Body><o:SubmitResponse><o:status>accepted</o:status>' +
    Array.from({ length: 10 }, (_, i) => `<o:line sku="SKU-${1000 + i}" state="reserved">reserved in warehouse ${i}</o:line>`).join('') +
    '</o:SubmitResponse></soapenv:Body></soapenv:Envelope>',
);

/** Opening and closing of a large envelope whose body is `<o:blob>` filled with text. */
export const BIG_OPEN = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:syn="http://ws.apache.org/ns/synapse" xmlns:o="urn:moor:bench:orders">' +
    '<soapenv:Header><syn:ClientID>big-1</syn:ClientID></soapenv:Header><soapenv:Body><o:Upload><o:blob>',
);
export const BIG_CLOSE = Buffer.from('</o:blob></o:Upload></soapenv:Body></soapenv:Envelope>');

/**
 * Yields an envelope of exactly `total` bytes in 64 KB chunks, made on the fly from one reused filler
 * chunk, so the sender never holds the message.
 */
export async function* bigEnvelope(total: number): AsyncGenerator<Buffer> {
  const fill = Buffer.alloc(64 * 1024, 'abcdefghijklmnopqrstuvwxyz0123456789 ');
  yield BIG_OPEN;
  let left = total - BIG_OPEN.length - BIG_CLOSE.length;
  while (left > 0) {
    const n = Math.min(left, fill.length);
    yield n === fill.length ? fill : fill.subarray(0, n);
    left -= n;
  }
  yield BIG_CLOSE;
}
