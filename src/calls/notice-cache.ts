import type { CallState } from '../flow/types';
import type { Catalog } from '../i18n/catalog';
import { noticeIdOf } from '../ledger';
import type { TwimlRenderer } from '../twiml/render';
import type { NoticeRef } from './ledger-writes';

/**
 * The notice a caller hears, rendered once per locale, country variant and age (it only changes
 * with a deploy). Its `locale` is the call's language (de, de-simple); its content names the
 * locale the texts were said in, so a country variant (de-AT) is part of the notice version.
 */
export class NoticeCache {
  private readonly notices = new Map<string, NoticeRef>();

  constructor(
    private readonly catalog: Pick<Catalog, 'textLocale'>,
    private readonly renderer: Pick<TwimlRenderer, 'noticeContent'>,
  ) {}

  of(state: Pick<CallState, 'lng' | 'cc'>, age: number): NoticeRef {
    const said = this.catalog.textLocale(state.lng, state.cc);
    const key = `${said}|${state.lng}|${age}`;
    let notice = this.notices.get(key);
    if (!notice) {
      const content = this.renderer.noticeContent(said, age);
      notice = { id: noticeIdOf(state.lng, 'text', content), locale: state.lng, content };
      this.notices.set(key, notice);
    }
    return notice;
  }
}
