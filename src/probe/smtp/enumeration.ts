/**
 * VRFY and EXPN (smtp.vrfy, smtp.expn) as a sequence of single commands, so that each can end a
 * pipelined write of the main session (RFC 2920 §3.1: VRFY and EXPN may only be last in a group).
 * Each asks about a name that must exist and, unless the command is refused outright, about one
 * that surely does not.
 */
import { randomBytes } from 'node:crypto';
import type { EnumerationProbe, SmtpReply } from '../../model/artifacts.js';
import type { Requirement } from '../../checks/types.js';

/** RFC 5321 §4.5.1: every SMTP domain must accept mail for postmaster, so it surely exists. */
const KNOWN_USER = 'postmaster';

type Verb = 'VRFY' | 'EXPN';

export class Enumerations {
  vrfy?: EnumerationProbe;
  expn?: EnumerationProbe;
  private readonly queue: Verb[];
  private readonly unknownName = `mailcheck-nonexistent-${randomBytes(4).toString('hex')}`;
  /** The verb in progress and its first answer, once in. */
  private current: { verb: Verb; known?: SmtpReply } | undefined;
  private waiting = false;

  constructor(
    needs: ReadonlySet<Requirement>,
    private readonly overTls: boolean,
  ) {
    this.queue = (['VRFY', 'EXPN'] as const).filter((v) => needs.has(v === 'VRFY' ? 'vrfy' : 'expn'));
  }

  /** The next command to send, or undefined when done (or while an answer is awaited). */
  next(): { command: string; stage: Verb } | undefined {
    if (this.waiting) return undefined;
    if (!this.current) {
      const verb = this.queue.shift();
      if (!verb) return undefined;
      this.current = { verb };
    }
    this.waiting = true;
    const { verb, known } = this.current;
    return { command: `${verb} ${known ? this.unknownName : KNOWN_USER}`, stage: verb };
  }

  /** The answer to the command {@link next} gave. */
  answer(reply: SmtpReply): void {
    const cur = this.current;
    if (!cur || !this.waiting) return;
    this.waiting = false;
    if (!cur.known) {
      cur.known = reply;
      // When the command is refused outright there is nothing to compare; one round trip is enough.
      const refused = reply.code >= 500 && reply.code !== 550 && reply.code !== 551 && reply.code !== 553;
      if (refused) this.done(cur.verb, reply, reply);
      return;
    }
    this.done(cur.verb, cur.known, reply);
  }

  /** Refusals the commands still to send may cost at most (they count towards a server's error limit). */
  worstCase(): number {
    const current = this.current ? (this.current.known ? 1 : 2) : 0;
    return current + 2 * this.queue.length;
  }

  private done(verb: Verb, known: SmtpReply, unknown: SmtpReply): void {
    const probe: EnumerationProbe = {
      command: verb,
      overTls: this.overTls,
      known: { argument: KNOWN_USER, reply: known },
      unknown: { argument: this.unknownName, reply: unknown },
    };
    if (verb === 'VRFY') this.vrfy = probe;
    else this.expn = probe;
    this.current = undefined;
  }
}
