import type { Catalog } from '../i18n/catalog';
import { operatorText, type LocalizedField, type OperatorTexts } from '../i18n/operator-texts';
import type { PrivacyTexts } from './texts';

/**
 * The Art. 13 GDPR information of the /privacy page, from the same operator texts the caller hears
 * in the information layer (so the page and the call never disagree). Each item is one sentence
 * or phrase in one language: where the operator gave no text for the page's locale (development
 * only; production does not start), that item is given whole in the default locale and says so
 * with its own `lang`.
 */
export interface Art13Item {
  /** privacy.json key of the item's heading (art13.*). */
  heading: string;
  /** One or more paragraphs, each in the locale named beside it. */
  paragraphs: Array<{ lng: string; text: string }>;
}

export interface Art13Source {
  operator: {
    company: string;
    dpoContact: string;
    purposes: ReadonlyArray<{ id: string; retentionDays: number }>;
    texts: OperatorTexts;
  };
  catalog: Pick<Catalog, 'template' | 'has' | 'textLocale'>;
  texts: PrivacyTexts;
  defaultLocale: string;
}

/** The operator's text of a field for `lng`, else the locale's shipped default, else the default locale's. */
function fieldText(s: Art13Source, lng: string, field: LocalizedField): { lng: string; text: string } | null {
  const own = (l: string): string | undefined => {
    const given = operatorText(s.operator.texts, field, l);
    if (given !== undefined || s.operator.texts.byLocale[field]) return given;
    return s.catalog.has(l) ? s.catalog.template(l, `operatorDefaults.${field}`) : undefined;
  };
  const text = own(lng);
  if (text !== undefined) return { lng, text };
  const fallback = own(s.defaultLocale);
  return fallback === undefined ? null : { lng: s.defaultLocale, text: fallback };
}

/** The purpose's name: the operator's own for the locale (or its language), else the page's. */
function purposeName(s: Art13Source, lng: string, id: string): string {
  const named = s.operator.texts.purposeNames[id];
  return named?.[lng] ?? named?.[lng.split('-')[0] ?? lng] ?? s.texts.purpose(lng, id);
}

/**
 * The visitor's country as their browser states it for the page's language ("de-AT" in
 * Accept-Language for a German page): picks the country variant of the operator's texts, as the
 * caller's country does in a call.
 */
export function regionFor(acceptLanguage: string | undefined, lng: string): string | null {
  for (const part of (acceptLanguage ?? '').split(',')) {
    const [language, region] = (part.trim().split(';')[0] ?? '').split('-');
    if (language?.toLowerCase() === lng && region && /^[A-Za-z]{2}$/.test(region))
      return region.toUpperCase();
  }
  return null;
}

/** The page's Art. 13 items in `lng`; `region` picks a country variant of the texts (de-AT). */
export function art13Items(s: Art13Source, pageLng: string, region: string | null = null): Art13Item[] {
  const lng = s.catalog.textLocale(pageLng, region);
  const t = (key: string, vars: Record<string, string> = {}): string =>
    s.texts.t(pageLng, `art13.${key}`, vars);
  const one = (heading: string, text: string): Art13Item => ({
    heading,
    paragraphs: [{ lng: pageLng, text }],
  });
  const field = (heading: string, f: LocalizedField): Art13Item[] => {
    const v = fieldText(s, lng, f);
    return v ? [{ heading, paragraphs: [{ lng: v.lng === lng ? pageLng : v.lng, text: v.text }] }] : [];
  };
  const days = new Intl.NumberFormat(lng, { maximumFractionDigits: 5 });
  const items: Art13Item[] = [
    ...field('controller', 'controller'),
    one('dpo', s.operator.dpoContact),
    {
      heading: 'purposes',
      paragraphs: s.operator.purposes.map((p) => ({
        lng: pageLng,
        text: t('purposeItem', { purpose: purposeName(s, lng, p.id), days: days.format(p.retentionDays) }),
      })),
    },
    // Art. 13(1)(d): only where the operator relies on legitimate interests at all.
    ...(s.operator.texts.byLocale.legitimateInterests ? field('interests', 'legitimateInterests') : []),
    ...field('categories', 'dataCategories'),
    ...field('recipients', 'recipients'),
    ...field('transfer', 'thirdCountryTransfer'),
    one('rights', t('rightsText')),
  ];
  const authority = fieldText(s, lng, 'supervisoryAuthority');
  if (authority)
    items.push({
      heading: 'complaintTitle',
      paragraphs: [
        {
          lng: authority.lng === lng ? pageLng : authority.lng,
          text: s.texts.t(authority.lng === lng ? pageLng : authority.lng, 'art13.complaint', {
            authority: authority.text,
          }),
        },
      ],
    });
  return items;
}
