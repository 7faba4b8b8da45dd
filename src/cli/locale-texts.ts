import { renderSettings } from '../app';
import { localesDir, promptsDir, type Config } from '../config';
import { Catalog } from '../i18n/catalog';
import { checkPromptTexts, type LocaleFinding } from '../i18n/locale-checks';
import { BASE_VARS } from '../i18n/spoken-keys';
import { checkVariantTexts } from '../i18n/variant-checks';
import { Speaker } from '../twiml/speaker';

/** The placeholders the service gives every spoken text, read from the Speaker itself. */
export function speakerVarNames(config: Config): readonly string[] {
  try {
    const catalog = Catalog.load(localesDir(), promptsDir());
    return Object.keys(new Speaker(catalog, renderSettings(config)).vars(config.defaultLocale, 16));
  } catch {
    return BASE_VARS; // locales that do not load are reported by readLocales
  }
}

/** `consent locales check`'s text findings for the shipped locales under the operator's settings. */
export function promptTextFindings(config: Config): LocaleFinding[] {
  return [
    ...checkPromptTexts(
      localesDir(),
      config.operator.purposes.map((p) => p.id),
      speakerVarNames(config),
    ),
    ...checkVariantTexts(localesDir()),
  ];
}
