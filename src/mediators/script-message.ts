/**
 * The `mc` of a `<script>`: WSO2's ScriptMessageContext methods, over moor's MessageContext. WSO2 runs
 * JavaScript on Rhino, whose getPayloadXML() is an E4X XML object; moor's engine has no E4X, so the
 * payload crosses as XML text (as WSO2 MI's GraalJS engine gives it): getPayloadXML() is the Body's
 * first element serialised, setPayloadXML(x) takes XML text (or anything whose String() is XML).
 *
 * Changes take effect as they are made, as in WSO2: a script that throws keeps what it changed before.
 * Everything async (the head, the parsed body, a JSON payload) is read before the script runs, since a
 * script runs synchronously: the payload is read only when the script's source names a payload method.
 */
import { MoorError, type SourceLoc } from '../errors.ts';
import { JavaDouble } from '../expr/java-double.ts';
import { jsonPayload } from '../expr/json-path.ts';
import { readProperty, soapAction } from '../expr/properties.ts';
import { type MessageContext } from '../message/context.ts';
import { type EnvelopeHead } from '../message/envelope-head.ts';
import { childIn, textOf } from '../xml/element.ts';
import { WSA_NAMESPACES } from '../xml/names.ts';
import { clearChildren, commitDom, firstElement, parseFragment, soapBody } from './dom.ts';
import { setAddressing, setSoapAction } from './header.ts';
import { checkedHeaderValue } from './header-value.ts';
import { type Host, type HostValue } from './script-sandbox.ts';
import { XmlValue } from '../xml/xml-value.ts';

/** `mc`'s methods. Any other is "not a function" inside the script. */
export const MC_METHODS = [
  'getPayloadXML', 'setPayloadXML', 'getEnvelopeXML', 'getPayloadJSON', 'setPayloadJSON', 'getJsonText',
  'getProperty', 'setProperty', 'removeProperty',
  'getTo', 'setTo', 'getReplyTo', 'setReplyTo', 'getFrom', 'setFrom', 'getFaultTo', 'setFaultTo',
  'getMessageID', 'setMessageID', 'getWSAAction', 'setWSAAction', 'getSoapAction', 'setSoapAction',
  'isSOAP11', 'isResponse',
] as const;

/** Methods that need the parsed XML payload, and the JSON payload: read first when the source names one. */
const XML_METHODS = /\b(getPayloadXML|setPayloadXML|getEnvelopeXML)\b/;
const JSON_METHODS = /\b(getPayloadJSON|getJsonText)\b/;

/** What a script's source needs read before it runs. */
export interface ScriptNeeds {
  readonly xml: boolean;
  readonly json: boolean;
}

export function needsOf(source: string): ScriptNeeds {
  return { xml: XML_METHODS.test(source), json: JSON_METHODS.test(source) };
}

const SCOPES = ['default', 'axis2', 'axis2-client', 'transport', 'operation'] as const;
type ScriptScope = (typeof SCOPES)[number];

/** The WS-Addressing name each getter and setter reads and writes. */
const ADDRESSING: Readonly<Record<string, string>> = { To: 'To', ReplyTo: 'ReplyTo', From: 'From', FaultTo: 'FaultTo', MessageID: 'MessageID', WSAAction: 'Action' };

/** One script run's view of its message: reads what `needs` asks, then answers `mc`'s calls. */
export class ScriptMessage {
  private head: EnvelopeHead | undefined;
  private dom: Document | undefined;
  private json: { value: unknown } | undefined;
  private domChanged = false;
  /** Changes made to the head, replayed on the new head when the payload was rewritten too. */
  private readonly headChanges: ((head: EnvelopeHead) => void)[] = [];

  private constructor(
    private readonly msg: MessageContext,
    /** The <script>, for messages. */
    private readonly loc: SourceLoc,
  ) {}

  static async prepare(msg: MessageContext, needs: ScriptNeeds, loc: SourceLoc): Promise<ScriptMessage> {
    const m = new ScriptMessage(msg, loc);
    // JSON a script reads as XML is made XML (WSO2's mc.getPayloadXML() gives <jsonObject>…); XML it reads
    // as JSON is read by WSO2's rules (json-eval's jsonPayload: the JSON it came as while unchanged)
    if (needs.xml && msg.jsonReadable) await msg.head();
    if (!msg.body.opaque) {
      if (needs.xml) m.dom = await msg.envelopeDom();
      // (after the DOM: a body read whole gives the head from the same bytes)
      m.head = await msg.head();
    }
    if (needs.json) m.json = { value: await jsonPayload(msg) };
    return m;
  }

  /** The host function the sandbox calls for `mc.<method>(args)`. */
  readonly host: Host = (method, args) => {
    const m = this.methods[method];
    if (!m) throw new Error(`mc.${method} is not supported by moor`);
    return m(args);
  };

  /**
   * Writes a changed payload back into the message (after the run, whether it succeeded or not). The
   * envelope is then written anew from the tree, whose Header predates the script's header changes:
   * those are made again on the new envelope's head.
   */
  async finish(): Promise<void> {
    if (!this.domChanged || !this.dom) return;
    this.domChanged = false;
    commitDom(this.msg, this.dom);
    if (!this.headChanges.length) return;
    const head = await this.msg.head();
    for (const change of this.headChanges) change(head);
  }

  private readonly methods: Readonly<Record<string, (args: HostValue[]) => HostValue>> = {
    getPayloadXML: () => {
      const first = firstElement(soapBody(this.xml('getPayloadXML')));
      return first ? String(first) : null;
    },
    setPayloadXML: ([x]) => {
      const doc = this.xml('setPayloadXML');
      const content = parseFragment(doc, text(x), 'the payload given to mc.setPayloadXML()');
      const body = soapBody(doc);
      clearChildren(body);
      for (const c of content) body.appendChild(c);
      this.domChanged = true;
      return undefined;
    },
    getEnvelopeXML: () => String(this.xml('getEnvelopeXML')),
    getPayloadJSON: () => this.jsonValue('getPayloadJSON') as HostValue,
    getJsonText: () => JSON.stringify(this.jsonValue('getJsonText')),
    setPayloadJSON: ([o]) => {
      let json: string;
      if (typeof o === 'string') {
        try {
          JSON.parse(o);
        } catch (e) {
          throw new Error(`mc.setPayloadJSON() was given text that is not JSON (${(e as Error).message})`);
        }
        json = o;
      } else json = JSON.stringify(o ?? null);
      this.msg.setJsonPayload(json);
      this.json = { value: JSON.parse(json) };
      this.dom = undefined;
      this.domChanged = false;
      return undefined;
    },
    getProperty: ([name, scope]) => this.getProperty(text(name), scopeOf(scope)),
    setProperty: ([name, value, scope]) => {
      this.setProperty(text(name), value, scopeOf(scope));
      return undefined;
    },
    removeProperty: ([name, scope]) => {
      const s = scopeOf(scope);
      const key = text(name);
      if (s === 'transport') this.msg.transport.delete(key.toLowerCase());
      else if (s === 'axis2' || s === 'axis2-client') this.msg.axis2.delete(key);
      else this.msg.properties.delete(key);
      return undefined;
    },
    getSoapAction: () => soapAction(this.msg) ?? null,
    setSoapAction: ([a]) => {
      setSoapAction(this.msg, a === null || a === undefined ? undefined : checkedHeaderValue(text(a), 'SOAPAction', this.msg.body.limits.maxHeaderValueBytes, this.loc, 'mc.setSoapAction() of <script>'));
      return undefined;
    },
    isSOAP11: () => this.msg.version === '1.1',
    isResponse: () => this.msg.direction === 'response',
    ...Object.fromEntries(Object.entries(ADDRESSING).flatMap(([method, local]) => [
      [`get${method}`, () => this.addressing(local)],
      [`set${method}`, ([v]: HostValue[]) => {
        const value = v === null || v === undefined ? undefined : text(v);
        this.changeHead(`set${method}`, (head) => setAddressing(this.msg, head, local, value, this.loc, `mc.set${method}() of <script>`));
        return undefined;
      }],
    ])),
  };

  private xml(method: string): Document {
    if (this.msg.body.opaque) throw new Error(`mc.${method}(): the payload is not XML (${String(this.msg.transport.get('content-type') ?? 'no content type')}); use mc.getPayloadJSON()`);
    if (!this.dom) throw new Error(`mc.${method}(): moor reads the payload before a script whose source names getPayloadXML, setPayloadXML or getEnvelopeXML; this one's does not`);
    return this.dom;
  }

  private jsonValue(method: string): unknown {
    if (!this.json) throw new Error(`mc.${method}(): moor reads the payload before a script whose source names getPayloadJSON or getJsonText; this one's does not`);
    return this.json.value;
  }

  private changeHead(method: string, change: (head: EnvelopeHead) => void): void {
    if (!this.head) throw new Error(`mc.${method}(): the message is not a SOAP envelope (${String(this.msg.transport.get('content-type') ?? 'no content type')})`);
    change(this.head);
    this.headChanges.push(change);
  }

  private addressing(local: string): HostValue {
    if (local === 'From' || local === 'FaultTo') {
      const block = this.head?.blockIn(WSA_NAMESPACES, local);
      const address = block && childIn(block, WSA_NAMESPACES, 'Address');
      return address ? textOf(address).trim() : null;
    }
    return scalar(readProperty(this.msg, 'default', local));
  }

  private getProperty(name: string, scope: ScriptScope): HostValue {
    const s = scope === 'transport' ? 'transport' : scope === 'axis2' || scope === 'axis2-client' ? 'axis2' : 'default';
    return scalar(readProperty(this.msg, s, name));
  }

  private setProperty(name: string, value: HostValue, scope: ScriptScope): void {
    // objects are kept as JSON text: properties are read as strings (XPath, headers, logs)
    const v = value === undefined ? null : typeof value === 'object' && value !== null ? JSON.stringify(value) : value;
    if (scope === 'transport') {
      this.msg.transport.set(name.toLowerCase(), checkedHeaderValue(v === null ? '' : String(v), name, this.msg.body.limits.maxHeaderValueBytes, this.loc, `mc.setProperty("${name}", …, "transport") of <script>`));
      return;
    }
    if (scope === 'axis2' || scope === 'axis2-client') {
      this.msg.axis2.set(name, v);
      // (as <property scope="axis2"> does: these two act on the message itself)
      if (name === 'HTTP_SC') this.msg.status = Number(v) || this.msg.status;
      if (name === 'NO_ENTITY_BODY') this.msg.noEntityBody = v === true || String(v).trim().toLowerCase() === 'true';
      return;
    }
    this.msg.properties.set(name, v);
  }
}

function scopeOf(v: HostValue): ScriptScope {
  if (v === undefined || v === null) return 'default';
  const s = text(v);
  if ((SCOPES as readonly string[]).includes(s)) return s as ScriptScope;
  throw new MoorError('MOOR_ERR_MEDIATION', `the scope "${s}" is not one of ${SCOPES.join(', ')}`);
}

function text(v: HostValue): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** A property's value as a script sees it: strings, numbers and booleans as they are, XML as text. */
function scalar(v: unknown): HostValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof XmlValue) return v.xml;
  if (v instanceof JavaDouble) return v.value;
  return String(v);
}
