import { z } from 'zod';
import type { Catalog } from './catalog';

/**
 * The operator's own texts that callers hear (the information layer), each given per locale in
 * the operator file: `"recipients": { "de": "…", "en": "…" }`. A locale without its text never
 * gets a sentence that mixes languages: production refuses to start (and `consent locales check`
 * fails); development says the whole sentence in the default locale instead.
 *
 * An old operator file with a single string is still read: it is the default locale's text, and
 * the start-up log says so.
 */
export const LOCALIZED_FIELDS = [
  'controller',
  'recipients',
  'supervisoryAuthority',
  'dataCategories',
  'thirdCountryTransfer',
  'legitimateInterests',
] as const;
export type LocalizedField = (typeof LOCALIZED_FIELDS)[number];

/** The prompt variable each field fills, as locales/<lng>/prompts.json write it. */
export const FIELD_VARIABLES: Record<LocalizedField, string> = {
  controller: 'controller',
  recipients: 'recipients',
  supervisoryAuthority: 'authority',
  dataCategories: 'categories',
  thirdCountryTransfer: 'transfer',
  legitimateInterests: 'interests',
};
const VARIABLE_FIELDS = new Map<string, LocalizedField>(LOCALIZED_FIELDS.map((f) => [FIELD_VARIABLES[f], f]));
export const fieldOfVariable = (name: string): LocalizedField | undefined => VARIABLE_FIELDS.get(name);

const LOCALE_CODE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;
export const localizedText = z.union([
  z.string().min(1),
  z
    .record(z.string().regex(LOCALE_CODE, 'keys are locale codes like de, en, de-AT'), z.string().min(1))
    .refine((r) => Object.keys(r).length > 0, 'give at least one locale'),
]);
export type LocalizedInput = z.infer<typeof localizedText>;

export interface OperatorTexts {
  /** Field → locale → text, as the operator gave them (a single string under the default locale). */
  byLocale: Partial<Record<LocalizedField, Record<string, string>>>;
  /** Fields given as one string (old operator files). */
  legacy: LocalizedField[];
  /** Purpose id → locale → its name, where the operator names a purpose. */
  purposeNames: Record<string, Record<string, string>>;
}

export function normalizeTexts(
  raw: Partial<Record<LocalizedField, LocalizedInput | undefined>>,
  purposes: ReadonlyArray<{ id: string; names?: Record<string, string> }>,
  defaultLocale: string,
): OperatorTexts {
  const texts: OperatorTexts = { byLocale: {}, legacy: [], purposeNames: {} };
  for (const field of LOCALIZED_FIELDS) {
    const value = raw[field];
    if (value === undefined) continue;
    if (typeof value === 'string') {
      texts.byLocale[field] = { [defaultLocale]: value };
      texts.legacy.push(field);
    } else texts.byLocale[field] = { ...value };
  }
  for (const p of purposes) if (p.names) texts.purposeNames[p.id] = { ...p.names };
  return texts;
}

/** The operator's text of a field in a locale: undefined when the operator gave none for it. */
export function operatorText(texts: OperatorTexts, field: LocalizedField, lng: string): string | undefined {
  const given = texts.byLocale[field];
  if (!given) return undefined;
  // A country variant (de-AT) may take the language's text (de): the same language, not a mix.
  return given[lng] ?? given[lng.split('-')[0] ?? lng];
}

/**
 * Every operator text a caller in one of `locales` would hear without a translation, as
 * problems for the start-up check and `consent locales check`. `hasDefault(lng, field)` says
 * whether the locale ships a text of its own for a field the operator did not set.
 */
export function missingTranslations(
  texts: OperatorTexts,
  locales: readonly string[],
  purposeIds: readonly string[],
  shipped: {
    field(lng: string, field: LocalizedField): boolean;
    purposeName(lng: string, id: string): boolean;
  },
): string[] {
  const problems: string[] = [];
  for (const lng of locales) {
    for (const field of LOCALIZED_FIELDS) {
      if (texts.byLocale[field]) {
        if (operatorText(texts, field, lng) === undefined)
          problems.push(`GATEWAY_CONFIG ${field}: no text for locale ${lng}`);
      } else if (field !== 'legitimateInterests' && !shipped.field(lng, field))
        problems.push(`locales/${lng}/prompts.json: no default for ${field} (operatorDefaults.${field})`);
    }
    for (const id of purposeIds) {
      const named = texts.purposeNames[id];
      if (named ? named[lng] === undefined : !shipped.purposeName(lng, id))
        problems.push(`GATEWAY_CONFIG purposes.${id}.names: no name for locale ${lng}`);
    }
  }
  return problems;
}

/** What code outside the information layer reads as one string (exports, the privacy page's header). */
const PLAIN_DEFAULTS = {
  controller: 'Beispiel GmbH, Musterstraße 1, 10115 Berlin',
  recipients: 'our hosting and telephony processors (Twilio) under Art. 28 GDPR contracts',
  supervisoryAuthority: 'the data-protection authority of your country',
} as const;

export type WithTexts<T> = Omit<T, LocalizedField> & {
  controller: string;
  recipients: string;
  supervisoryAuthority: string;
  texts: OperatorTexts;
};

/** The parsed operator file with its texts per locale, and each plain field as the default locale's text. */
export function withTexts<
  T extends Partial<Record<LocalizedField, LocalizedInput | undefined>> & {
    purposes: ReadonlyArray<{ id: string; names?: Record<string, string> }>;
  },
>(raw: T, defaultLocale: string): WithTexts<T> {
  const texts = normalizeTexts(raw, raw.purposes, defaultLocale);
  const plain = (field: keyof typeof PLAIN_DEFAULTS): string => {
    const given = texts.byLocale[field];
    return (
      operatorText(texts, field, defaultLocale) ?? Object.values(given ?? {})[0] ?? PLAIN_DEFAULTS[field]
    );
  };
  const rest: Record<string, unknown> = { ...raw };
  for (const field of LOCALIZED_FIELDS) delete rest[field];
  return {
    ...(rest as Omit<T, LocalizedField>),
    controller: plain('controller'),
    recipients: plain('recipients'),
    supervisoryAuthority: plain('supervisoryAuthority'),
    texts,
  };
}

/** The start-up and `consent locales check` verdict on the operator's texts against the shipped locales. */
export function operatorTextProblems(
  operator: { texts: OperatorTexts; purposes: ReadonlyArray<{ id: string }> },
  catalog: Pick<Catalog, 'allLocales' | 'template' | 'exists'>,
): string[] {
  return missingTranslations(
    operator.texts,
    catalog.allLocales,
    operator.purposes.map((p) => p.id),
    {
      field: (lng, field) => catalog.template(lng, `operatorDefaults.${field}`) !== undefined,
      purposeName: (lng, id) => catalog.exists(lng, `purposeNames.${id}`),
    },
  );
}
