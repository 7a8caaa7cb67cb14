/**
 * Where the text to learn from comes from: a bundled text, pasted text or a file the user
 * opens. Problems (an empty or binary file, a failed download) are messages on the page.
 */
import { CharTokenizer, characterCount } from '../../src/index.js';
import { CORPORA, type Corpus } from './corpora/index.js';
import { byId, setMessage } from './dom.js';
import { formatCount } from './format.js';
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
  private file: TextSource | undefined;

  constructor() {
    this.select.prepend(...CORPORA.map((c) => new Option(c.label, c.id)));
    this.select.value = CORPORA[0]!.id;
    this.select.addEventListener('change', () => void this.update());
    this.paste.addEventListener('input', () => this.describe(this.paste.value));
    this.fileInput.addEventListener('change', () => void this.readFile());
    void this.update();
  }

  /**
   * The chosen text.
   * @throws Error saying what is missing or wrong (shown on the page by the caller).
   */
  async current(): Promise<TextSource> {
    const choice = this.select.value;
    if (choice === 'paste') {
      if (this.paste.value.trim().length === 0) throw new Error('Paste some text first: a few thousand characters or more.');
      return { name: 'the pasted text', text: this.paste.value };
    }
    if (choice === 'file') {
      if (this.file === undefined) throw new Error('Choose a text file first.');
      return this.file;
    }
    const corpus = this.corpus(choice);
    return { name: corpus.label, text: await this.load(corpus) };
  }

  /** Locks the choice while a model trains on it. */
  lock(locked: boolean): void {
    for (const input of [this.select, this.paste, this.fileInput]) input.disabled = locked;
  }

  /** Shows `message` under the choice (undefined clears it). */
  showError(message: string | undefined): void {
    setMessage(this.error, message);
  }

  private async update(): Promise<void> {
    const choice = this.select.value;
    this.paste.hidden = choice !== 'paste';
    this.fileButton.hidden = choice !== 'file';
    this.showError(undefined);
    if (choice === 'paste') {
      this.about.textContent = 'Your own text. The more, the better: a network needs tens of thousands of characters to learn much.';
      this.describe(this.paste.value);
    } else if (choice === 'file') {
      this.about.textContent = 'A UTF-8 text file from your computer; it stays in this page.';
      this.describe(this.file?.text ?? '');
    } else {
      const corpus = this.corpus(choice);
      this.about.textContent = corpus.about;
      this.stats.textContent = 'Loading…';
      try {
        const text = await this.load(corpus);
        if (this.select.value === choice) this.describe(text);
      } catch (error) {
        this.stats.textContent = '';
        this.showError((error as Error).message);
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
      this.showError((error as Error).message);
    }
  }

  /** "1,190,317 characters, 83 different ones" (code points, as the character tokenizer counts them). */
  private describe(text: string): void {
    if (text.length === 0) {
      this.stats.textContent = '';
      return;
    }
    const distinct = CharTokenizer.fromText(text).vocabSize - 1;  // less <unk>
    this.stats.textContent = `${formatCount(characterCount(text))} characters, ${formatCount(distinct)} different ones.`;
  }

  private corpus(id: string): Corpus {
    const corpus = CORPORA.find((c) => c.id === id);
    if (corpus === undefined) throw new Error(`unknown text '${id}'`);
    return corpus;
  }

  private load(corpus: Corpus): Promise<string> {
    let text = this.loaded.get(corpus.id);
    if (text === undefined) {
      text = corpus.load();
      this.loaded.set(corpus.id, text);
      text.catch(() => this.loaded.delete(corpus.id));
    }
    return text;
  }
}
