/**
 * Wazo ACL matching (public wazo-auth docs): entries are dot-separated; `*` matches one word, `#` any number of words;
 * `me` stands for the token's user uuid and `my_session` for its session uuid; an entry starting with `!` denies and
 * wins over positive entries.
 */
export interface AclSubject {
  acl: readonly string[];
  userUuid: string;
  sessionUuid: string;
}

function entryRegex(entry: string, subject: AclSubject): RegExp {
  const words = entry.split('.').map((word) => {
    if (word === 'me') return `(?:me|${escape(subject.userUuid)})`;
    if (word === 'my_session') return `(?:my_session|${escape(subject.sessionUuid)})`;
    return escape(word).replace(/\\\*/g, '[^.#]*?').replace(/#/g, '.*?');
  });
  return new RegExp(`^${words.join('\\.')}$`);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether `subject` is granted `required` (an ACL string like `events.calls.<uuid>`). */
export function aclAllows(subject: AclSubject, required: string): boolean {
  let granted = false;
  for (const entry of subject.acl) {
    if (entry.startsWith('!')) {
      if (entryRegex(entry.slice(1), subject).test(required)) return false;
    } else if (!granted && entryRegex(entry, subject).test(required)) granted = true;
  }
  return granted;
}
