import type { Request } from 'express';
import type { DeskView } from '../../audit/desk-sections';
import { deskWords } from '../../audit/desk-words';
import { NoticeTexts } from '../../audit/notice-layers';
import { servedCountries } from '../../audit/number-query';
import type { SearchCountries } from '../../audit/outcomes';
import { localesDir, promptsDir } from '../../config';
import { Catalog } from '../../i18n/catalog';
import type { Ctx, PortalKit } from './kit';

const texts = new WeakMap<PortalKit, NoticeTexts>();

/** The locale texts the portal shows notices and purpose names with: the runtime's, else read once. */
export function noticeTexts(kit: PortalKit): NoticeTexts {
  let t = texts.get(kit);
  if (!t) {
    t = new NoticeTexts(kit.deps.catalog ?? Catalog.load(localesDir(), promptsDir()), kit.config);
    texts.set(kit, t);
  }
  return t;
}

/** How this request's pages speak: the portal language, its time zone, the operator's purpose names. */
export function deskView(kit: PortalKit, c: Ctx): DeskView {
  const t = noticeTexts(kit);
  return {
    lang: c.lang,
    w: deskWords(c.lang),
    clock: { zone: kit.config.portal.timeZone, lang: c.lang },
    purposeName: (id) => t.purposeName(c.lang, id),
    texts: t,
  };
}

/** The countries a number typed without a country code is read in (see number-query). */
export function searchCountries(kit: PortalKit): SearchCountries {
  return servedCountries(kit.config.portal.defaultCountry, kit.config.operator);
}

/** True when the request came with a query string at all: an empty search, not a first visit. */
export const searched = (req: Request): boolean => req.originalUrl.includes('?');
