/**
 * The retention rule, pure: a granted purpose ends once its `retentionDays` have passed since the
 * consent was given; a consent expires when none of its granted purposes is left. Purposes the
 * caller refused hold nothing, so they never keep a consent alive.
 */

export const DAY_MS = 86_400_000;

export interface RetentionPurpose {
  id: string;
  /** Positive, fractions allowed (0.00001 days is under a second, for trying a schedule). */
  retentionDays: number;
}

export interface ConsentForRetention {
  id: string;
  createdAt: Date;
  /** As answered: purpose id → granted. */
  purposes: Record<string, boolean>;
  /** Purposes already ended by retention: id → when. */
  ended: Record<string, string>;
}

export interface RetentionVerdict {
  consentId: string;
  /** Granted purposes whose retention has run out now (not ended before). */
  ending: string[];
  /** No granted purpose is left once `ending` ends: the consent expires. */
  expires: boolean;
}

/**
 * When a granted purpose ends. A purpose no longer configured ends at once: nothing says how long
 * it may be kept, so it is not kept (the operator removed it on purpose).
 */
export function purposeEndsAt(
  createdAt: Date,
  purposeId: string,
  schedule: readonly RetentionPurpose[],
): Date {
  const configured = schedule.find((p) => p.id === purposeId);
  if (!configured) return createdAt;
  return new Date(createdAt.getTime() + configured.retentionDays * DAY_MS);
}

/** What retention does to one consent at `now`; null when nothing changes. */
export function retentionVerdict(
  consent: ConsentForRetention,
  schedule: readonly RetentionPurpose[],
  now: Date,
): RetentionVerdict | null {
  const granted = Object.entries(consent.purposes)
    .filter(([, yes]) => yes)
    .map(([id]) => id);
  const open = granted.filter((id) => !(id in consent.ended));
  const ending = open.filter(
    (id) => purposeEndsAt(consent.createdAt, id, schedule).getTime() <= now.getTime(),
  );
  const expires = open.length === ending.length;
  if (ending.length === 0 && !expires) return null;
  return { consentId: consent.id, ending, expires };
}

/** When the consent as a whole will expire: the end of its last granted purpose. */
export function consentExpiresAt(
  consent: Pick<ConsentForRetention, 'createdAt' | 'purposes'>,
  schedule: readonly RetentionPurpose[],
): Date {
  const ends = Object.entries(consent.purposes)
    .filter(([, yes]) => yes)
    .map(([id]) => purposeEndsAt(consent.createdAt, id, schedule).getTime());
  return new Date(ends.length > 0 ? Math.max(...ends) : consent.createdAt.getTime());
}
