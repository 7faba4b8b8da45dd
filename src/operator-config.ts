import { z } from 'zod';
import { localizedText, type WithTexts } from './i18n/operator-texts';

/**
 * The operator file (`GATEWAY_CONFIG`, example: gateway.config.example.json): the company's own
 * texts, purposes in the order they are asked with their retention, numbers and age limits.
 */
const purposeSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'purpose ids are lower-case words'),
  /** Fractions allowed, so an operator can try a schedule in minutes. */
  retentionDays: z.number().positive().finite(),
  legalBasis: z.string().default('Art. 6(1)(a) GDPR (consent)'),
  /** The purpose's name per locale, for purposes the locale files do not name. */
  names: z.record(z.string(), z.string().min(1)).optional(),
});

export const operatorSchema = z.object({
  company: z.string().min(1).default('Beispiel GmbH'),
  assistantName: z.string().min(1).default('Lea'),
  dpoContact: z.string().default('datenschutz@example.com'),
  // Spoken in the information layer, so given per locale (see i18n/operator-texts); each defaults
  // to the locale's own text (operatorDefaults in locales/<lng>/prompts.json).
  controller: localizedText.optional(),
  supervisoryAuthority: localizedText.optional(),
  recipients: localizedText.optional(),
  dataCategories: localizedText.optional(),
  thirdCountryTransfer: localizedText.optional(),
  legitimateInterests: localizedText.optional(),
  purposes: z
    .array(purposeSchema)
    .min(1)
    .default([
      { id: 'call', retentionDays: 30, legalBasis: 'Art. 6(1)(a) GDPR (consent)' },
      { id: 'ai_training', retentionDays: 365, legalBasis: 'Art. 6(1)(a) GDPR (consent)' },
      { id: 'personalization', retentionDays: 365, legalBasis: 'Art. 6(1)(a) GDPR (consent)' },
    ]),
  /** Called number (E.164) → locale; the first rule that decides the language. */
  numbers: z.record(z.string(), z.object({ locale: z.string() })).default({}),
  /** Caller country (ISO 3166 alpha-2) → locale; the second rule. */
  countryLocales: z.record(z.string(), z.string()).default({
    DE: 'de',
    AT: 'de',
    CH: 'de',
    LI: 'de',
    GB: 'en',
    US: 'en',
    IE: 'en',
    TR: 'tr',
    FR: 'fr',
    BE: 'fr',
    LU: 'fr',
  }),
  /** Art. 8 GDPR: age of digital consent per caller country; `default` for the rest. */
  ageOfConsent: z
    .record(z.string(), z.number().int().min(13).max(18))
    .default({ default: 16, DE: 16, AT: 14, FR: 15, GB: 13, TR: 18 }),
  /** The CRM also hears of each handover to a person, with the consent token the agent got. */
  crmHandoverEvents: z.boolean().default(false),
  /**
   * A/B wording test: each caller is assigned at random, weighted by these shares, to `base` (the
   * live wording) or a variant under locales/<lng>/variants/<name>/. Recorded per call.
   */
  abTest: z
    .object({
      split: z
        .record(
          z.string().regex(/^[a-z][a-z0-9_-]{0,30}$/, 'variant names are lower-case words'),
          z.number().min(0).finite(),
        )
        .refine((r) => Object.values(r).some((w) => w > 0), 'give at least one share above 0'),
    })
    .optional(),
  languageKey: z
    .string()
    .regex(/^[3-8*#]$/)
    .default('8'),
});

export type OperatorConfig = WithTexts<z.infer<typeof operatorSchema>>;
export type Purpose = z.infer<typeof purposeSchema>;
