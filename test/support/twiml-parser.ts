/**
 * A small, strict XML parser for TwiML documents: elements, attributes, text, CDATA, comments,
 * processing instructions (the XML declaration) and the five predefined plus numeric entities.
 * It rejects what an XML parser must reject (mismatched tags, unknown entities, stray `<` or `&`,
 * duplicate attributes, content after the root), so a malformed document fails loudly in tests.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}

export type XmlNode = XmlElement | string;

export class XmlParseError extends Error {
  constructor(message: string, position: number) {
    super(`${message} at offset ${position}`);
    this.name = 'XmlParseError';
  }
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const NAME_START = /[A-Za-z_:\u00C0-\uFFFF]/;
const NAME_CHAR = /[A-Za-z0-9_:.\-\u00B7\u00C0-\uFFFF]/;

export function isElement(node: XmlNode): node is XmlElement {
  return typeof node !== 'string';
}

/** Concatenated text of an element and all its descendants (SSML inside <Say> included). */
export function textContent(node: XmlNode): string {
  if (typeof node === 'string') return node;
  return node.children.map(textContent).join('');
}

export function childElements(el: XmlElement): XmlElement[] {
  return el.children.filter(isElement);
}

export function parseXml(source: string): XmlElement {
  return new Parser(source).parseDocument();
}

class Parser {
  private pos = 0;

  constructor(private readonly src: string) {}

  parseDocument(): XmlElement {
    if (this.src.charCodeAt(0) === 0xfeff) this.pos = 1;
    this.skipMisc();
    if (this.src.startsWith('<!DOCTYPE', this.pos)) this.fail('DOCTYPE is not allowed in TwiML');
    if (this.peek() !== '<') this.fail('expected root element');
    const root = this.parseElement();
    this.skipMisc();
    if (this.pos < this.src.length) this.fail('unexpected content after root element');
    return root;
  }

  private fail(message: string): never {
    throw new XmlParseError(message, this.pos);
  }

  private peek(): string {
    return this.src.charAt(this.pos);
  }

  private expect(literal: string): void {
    if (!this.src.startsWith(literal, this.pos)) this.fail(`expected "${literal}"`);
    this.pos += literal.length;
  }

  private skipWhitespace(): void {
    while (this.pos < this.src.length && /\s/.test(this.peek())) this.pos++;
  }

  /** Whitespace, comments and processing instructions outside the root element. */
  private skipMisc(): void {
    for (;;) {
      this.skipWhitespace();
      if (this.src.startsWith('<?', this.pos)) this.skipProcessingInstruction();
      else if (this.src.startsWith('<!--', this.pos)) this.skipComment();
      else return;
    }
  }

  private skipProcessingInstruction(): void {
    const end = this.src.indexOf('?>', this.pos + 2);
    if (end < 0) this.fail('unterminated processing instruction');
    this.pos = end + 2;
  }

  private skipComment(): void {
    const end = this.src.indexOf('-->', this.pos + 4);
    if (end < 0) this.fail('unterminated comment');
    if (this.src.slice(this.pos + 4, end).includes('--')) this.fail('"--" inside comment');
    this.pos = end + 3;
  }

  private parseName(): string {
    const start = this.pos;
    if (!NAME_START.test(this.peek())) this.fail('expected a name');
    this.pos++;
    while (this.pos < this.src.length && NAME_CHAR.test(this.peek())) this.pos++;
    return this.src.slice(start, this.pos);
  }

  private parseElement(): XmlElement {
    this.expect('<');
    const name = this.parseName();
    const attrs: Record<string, string> = {};
    for (;;) {
      const before = this.pos;
      this.skipWhitespace();
      if (this.src.startsWith('/>', this.pos)) {
        this.pos += 2;
        return { name, attrs, children: [] };
      }
      if (this.peek() === '>') {
        this.pos++;
        break;
      }
      if (this.pos === before) this.fail('expected whitespace before attribute');
      const attrName = this.parseName();
      if (Object.prototype.hasOwnProperty.call(attrs, attrName)) this.fail(`duplicate attribute ${attrName}`);
      this.skipWhitespace();
      this.expect('=');
      this.skipWhitespace();
      attrs[attrName] = this.parseAttributeValue();
    }
    const children = this.parseContent(name);
    return { name, attrs, children };
  }

  private parseAttributeValue(): string {
    const quote = this.peek();
    if (quote !== '"' && quote !== "'") this.fail('expected quoted attribute value');
    this.pos++;
    let value = '';
    for (;;) {
      if (this.pos >= this.src.length) this.fail('unterminated attribute value');
      const ch = this.peek();
      if (ch === quote) {
        this.pos++;
        return value;
      }
      if (ch === '<') this.fail('"<" in attribute value');
      if (ch === '&') value += this.parseReference();
      else {
        // Attribute-value normalisation: literal whitespace characters become spaces.
        value += ch === '\t' || ch === '\n' || ch === '\r' ? ' ' : ch;
        this.pos++;
      }
    }
  }

  private parseReference(): string {
    this.expect('&');
    const end = this.src.indexOf(';', this.pos);
    if (end < 0 || end - this.pos > 10) this.fail('unterminated entity reference');
    const ref = this.src.slice(this.pos, end);
    this.pos = end + 1;
    let code: number;
    if (/^#x[0-9a-fA-F]+$/.test(ref)) code = parseInt(ref.slice(2), 16);
    else if (/^#[0-9]+$/.test(ref)) code = parseInt(ref.slice(1), 10);
    else {
      const named = NAMED_ENTITIES[ref];
      if (named === undefined) this.fail(`unknown entity &${ref};`);
      return named;
    }
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
      this.fail('invalid character reference');
    return String.fromCodePoint(code);
  }

  private parseContent(parentName: string): XmlNode[] {
    const children: XmlNode[] = [];
    let text = '';
    const flush = (): void => {
      if (text !== '') children.push(text);
      text = '';
    };
    for (;;) {
      if (this.pos >= this.src.length) this.fail(`unclosed element <${parentName}>`);
      if (this.src.startsWith('</', this.pos)) {
        this.pos += 2;
        const closing = this.parseName();
        if (closing !== parentName) this.fail(`</${closing}> does not close <${parentName}>`);
        this.skipWhitespace();
        this.expect('>');
        flush();
        return children;
      }
      if (this.src.startsWith('<!--', this.pos)) {
        this.skipComment();
      } else if (this.src.startsWith('<![CDATA[', this.pos)) {
        const end = this.src.indexOf(']]>', this.pos);
        if (end < 0) this.fail('unterminated CDATA section');
        text += this.src.slice(this.pos + 9, end);
        this.pos = end + 3;
      } else if (this.src.startsWith('<?', this.pos)) {
        this.skipProcessingInstruction();
      } else if (this.peek() === '<') {
        flush();
        children.push(this.parseElement());
      } else if (this.peek() === '&') {
        text += this.parseReference();
      } else {
        if (this.src.startsWith(']]>', this.pos)) this.fail('"]]>" in text');
        text += this.peek();
        this.pos++;
      }
    }
  }
}
