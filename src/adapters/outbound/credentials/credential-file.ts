import { readFile } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { writeFileDurably } from '../filesystem/durable-file.js';

/** What the data dir keeps of a generated credential: never the password itself. */
export interface StoredCredential {
  readonly username: string;
  readonly passwordHash: string;
  readonly createdAt: string;
}

const storedCredential = z.object({
  username: z.string().min(1),
  passwordHash: z.string().startsWith('scrypt$'),
  createdAt: z.string(),
});

export async function readCredentialFile(file: string): Promise<StoredCredential | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = storedCredential.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(`${file} is not a credential file written by fuota; move it away to generate a new one`);
  }
  return parsed.data;
}

export async function writeCredentialFile(file: string, credential: StoredCredential): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFileDurably(file, `${JSON.stringify(credential, null, 2)}\n`, 0o600);
}
