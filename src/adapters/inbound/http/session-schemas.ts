import { z } from 'zod';

/** The dashboard's sign-in body. */
export const signInSchema = z
  .object({
    username: z.string().min(1).max(256),
    password: z.string().min(1).max(1024),
  })
  .strict()
  .meta({ description: 'An operator credential.' });

/** A session as the page sees it (never the cookie's token). */
export const sessionSchema = z
  .object({
    username: z.string(),
    csrfToken: z.string().meta({ description: 'Echo it in X-CSRF-Token on every request that changes something.' }),
    expiresAt: z.iso.datetime(),
  })
  .meta({ description: "The signed-in operator and the session's CSRF token." });
