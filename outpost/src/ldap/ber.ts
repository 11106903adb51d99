/**
 * BER encoding of SearchResultEntry messages (RFC 4511 §4.5.2), written straight to the
 * connection. ldapjs's `res.send` parses each entry's DN, builds attribute objects and renders a
 * debug view of every entry even when debug logging is off, which dominates large searches; this
 * encoder sizes the message first and writes it into one buffer (definite lengths, as DER).
 */

/** Bytes taken by a BER length field for `n`. */
function lengthSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x1000000 ? 4 : 5;
}

/** Bytes taken by a TLV whose content is `n` bytes (one-byte tags only). */
const tlvSize = (n: number) => 1 + lengthSize(n) + n;

class Writer {
  offset = 0;
  constructor(readonly buf: Buffer) {}

  header(tag: number, n: number): void {
    const b = this.buf;
    b[this.offset++] = tag;
    if (n < 0x80) {
      b[this.offset++] = n;
      return;
    }
    const size = lengthSize(n) - 1;
    b[this.offset++] = 0x80 | size;
    for (let i = size - 1; i >= 0; i--) b[this.offset++] = Math.floor(n / 256 ** i) & 0xff;
  }

  octets(s: string, n: number): void {
    this.header(0x04, n);
    this.offset += this.buf.write(s, this.offset, n, "utf8");
  }
}

/** INTEGER content bytes (two's complement, minimal) for a non-negative message id. */
function integerBytes(n: number): number[] {
  const bytes: number[] = [];
  let v = n;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return bytes;
}

/** LDAPMessage { messageID, [APPLICATION 4] SearchResultEntry { objectName, attributes } }. */
export function encodeSearchEntry(messageId: number, dn: string, attributes: Record<string, string[]>): Buffer {
  // Pass 1: sizes (UTF-8 byte lengths kept in visiting order for pass 2).
  const lengths: number[] = [];
  const entries = Object.entries(attributes);
  let attrsContent = 0;
  for (const [type, values] of entries) {
    const typeLen = Buffer.byteLength(type, "utf8");
    lengths.push(typeLen);
    let setContent = 0;
    for (const v of values) {
      const l = Buffer.byteLength(v, "utf8");
      lengths.push(l);
      setContent += tlvSize(l);
    }
    lengths.push(setContent);
    const attrContent = tlvSize(typeLen) + tlvSize(setContent);
    lengths.push(attrContent);
    attrsContent += tlvSize(attrContent);
  }
  const dnLen = Buffer.byteLength(dn, "utf8");
  const entryContent = tlvSize(dnLen) + tlvSize(attrsContent);
  const id = integerBytes(messageId);
  const messageContent = 2 + id.length + tlvSize(entryContent);

  // Pass 2: write.
  const w = new Writer(Buffer.allocUnsafe(tlvSize(messageContent)));
  w.header(0x30, messageContent);
  w.header(0x02, id.length);
  for (const b of id) w.buf[w.offset++] = b;
  w.header(0x64, entryContent);
  w.octets(dn, dnLen);
  w.header(0x30, attrsContent);
  let i = 0;
  for (const [type, values] of entries) {
    const typeLen = lengths[i++]!;
    const valueLens = lengths.slice(i, i + values.length);
    i += values.length;
    const setContent = lengths[i++]!;
    w.header(0x30, lengths[i++]!);
    w.octets(type, typeLen);
    w.header(0x31, setContent);
    values.forEach((v, k) => w.octets(v, valueLens[k]!));
  }
  return w.buf;
}
