/** A TwiML element tree: enough XML for what Twilio's documents contain (elements, attributes, text, entities). */
export interface TwimlNode {
  name: string;
  attrs: Record<string, string>;
  children: TwimlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? whole;
  });
}

export function parseTwiml(xml: string): TwimlNode {
  let i = 0;
  const root: TwimlNode = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: TwimlNode[] = [root];
  const top = (): TwimlNode => stack[stack.length - 1] as TwimlNode;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    if (lt === -1) {
      top().text += decodeEntities(xml.slice(i));
      break;
    }
    if (lt > i) top().text += decodeEntities(xml.slice(i, lt));
    if (xml.startsWith('<?', lt)) {
      i = xml.indexOf('?>', lt) + 2;
      continue;
    }
    if (xml.startsWith('<!--', lt)) {
      i = xml.indexOf('-->', lt) + 3;
      continue;
    }
    const gt = xml.indexOf('>', lt);
    if (gt === -1) throw new Error('unterminated tag');
    const raw = xml.slice(lt + 1, gt);
    i = gt + 1;
    if (raw.startsWith('/')) {
      const name = raw.slice(1).trim();
      if (top().name !== name) throw new Error(`mismatched </${name}>`);
      stack.pop();
      continue;
    }
    const selfClosing = raw.endsWith('/');
    const body = selfClosing ? raw.slice(0, -1) : raw;
    const nameMatch = /^([A-Za-z][\w:.-]*)/.exec(body);
    if (!nameMatch?.[1]) throw new Error(`bad tag <${raw}>`);
    const node: TwimlNode = { name: nameMatch[1], attrs: {}, children: [], text: '' };
    for (const m of body.slice(nameMatch[1].length).matchAll(/([\w:.-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
      node.attrs[m[1] as string] = decodeEntities(m[3] ?? m[4] ?? '');
    }
    top().children.push(node);
    if (!selfClosing) stack.push(node);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${top().name}>`);
  const response = root.children.find((c) => c.name === 'Response');
  if (!response) throw new Error('no <Response> element');
  return response;
}
