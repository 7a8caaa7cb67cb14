/**
 * Where the text to learn from comes from: a bundled text, pasted text or a file the user
 * opens. Problems (an empty or binary file, a failed download) are messages on the page.
 */
import { CharTokenizer, characterCount } from '../../src/index.js';
import { CORPORA, type Corpus } from './corpora/index.js';
import { byId, errorMessage, setMessage } from './dom.js';
import { LocalizedError, type Message, msg, show, text, unbind } from './i18n/index.js';
import type { TextSource } from './protocol.js';
import { decodeTextFile } from './text-file.js';

export class TextSourcePicker {
  private readonly select = byId('source', HTMLSelectElement);
  private readonly paste = byId('paste', HTMLTextAreaElement);
  private readonly fileButton = byId('text-file-button');
  private readonly fileInput = byId('text-file', HTMLInputElement);
  private readonly about = byId('source-about');
  private readonly stats = byId('source-stats');
  private readonly error = byId('data-error');
  private readonly loaded = new Map<string, Promise<string>>();
  private file: Omit<TextSource, 'poems'> | undefined;

  /** `onChoice` hears of every choice of text (the page adapts to poems). */
  constructor(private readonly onChoice: (corpus: Corpus | undefined) => void) {
    this.select.prepend(
      ...CORPORA.map((c) => {
        const option = new Option('', c.id);
        show(option, c.label);
        return option;
      }),
    );
    this.select.value = CORPORA[0].id;
    this.select.addEventListener('change', () => void this.update());
    this.paste.addEventListener('input', () => this.describe(this.paste.value));
    this.fileInput.addEventListener('change', () => void this.readFile());
    void this.update();
  }

  /** The bundled text chosen, if one is. */
  private corpus(): Corpus | undefined {
    return CORPORA.find((c) => c.id === this.select.value);
  }

  /**
   * The chosen text.
   * @throws LocalizedError saying what is missing or wrong (shown on the page by the caller).
   */
  async current(): Promise<TextSource> {
    const choice = this.select.value;
    if (choice === 'paste') {
      if (this.paste.value.trim().length === 0) throw new LocalizedError(msg('source.pasteFirst'));
      return { name: text('source.pastedName'), text: this.paste.value, poems: false };
    }
    if (choice === 'file') {
      if (this.file === undefined) throw new LocalizedError(msg('source.chooseFileFirst'));
      return { ...this.file, poems: false };
    }
    const corpus = this.corpus()!;
    return { name: text(corpus.label), text: await this.load(corpus), poems: corpus.poems };
  }

  /** Locks the choice while a model trains on it. */
  lock(locked: boolean): void {
    for (const input of [this.select, this.paste, this.fileInput]) input.disabled = locked;
  }

  /** Shows `message` under the choice (undefined clears it). */
  showError(message: Message | undefined): void {
    setMessage(this.error, message);
  }

  private async update(): Promise<void> {
    const choice = this.select.value;
    const corpus = this.corpus();
    this.paste.hidden = choice !== 'paste';
    this.fileButton.hidden = choice !== 'file';
    this.showError(undefined);
    this.onChoice(corpus);
    if (choice === 'paste') {
      show(this.about, 'source.pasteAbout');
      this.describe(this.paste.value);
    } else if (choice === 'file') {
      show(this.about, 'source.fileAbout');
      this.describe(this.file?.text ?? '');
    } else if (corpus !== undefined) {
      show(this.about, corpus.about);
      this.setStats(msg('source.loading'));
      try {
        const loaded = await this.load(corpus);
        if (this.select.value === choice) this.describe(loaded, corpus.poems);
      } catch (error) {
        this.setStats(undefined);
        this.showError(errorMessage(error, (detail) => msg('error.data', { detail })));
      }
    }
  }

  private async readFile(): Promise<void> {
    const chosen = this.fileInput.files?.[0];
    if (chosen === undefined) return;
    this.file = undefined;
    try {
      this.file = { name: chosen.name, text: decodeTextFile(chosen.name, new Uint8Array(await chosen.arrayBuffer())) };
      this.showError(undefined);
      this.describe(this.file.text);
    } catch (error) {
      this.describe('');
      this.showError(errorMessage(error, (detail) => msg('error.data', { detail })));
    }
  }

  /** "1,190,317 characters, 83 different ones" (code points, as the character tokenizer counts them); poems are counted too. */
  private describe(content: string, poems = false): void {
    if (content.length === 0) {
      this.setStats(undefined);
      return;
    }
    const distinct = CharTokenizer.fromText(content).vocabSize - 1; // less <unk>
    const characters = characterCount(content);
    this.setStats(
      poems
        ? msg('source.poemStats', { poems: content.split('\n').filter((line) => line !== '').length, characters, distinct })
        : msg('source.stats', { characters, distinct }),
    );
  }

  private setStats(message: Message | undefined): void {
    if (message !== undefined) {
      show(this.stats, message);
    } else {
      unbind(this.stats);
      this.stats.textContent = '';
    }
  }

  private load(corpus: Corpus): Promise<string> {
    let loading = this.loaded.get(corpus.id);
    if (loading === undefined) {
      loading = corpus.load();
      this.loaded.set(corpus.id, loading);
      loading.catch(() => this.loaded.delete(corpus.id));
    }
    return loading;
  }
}
