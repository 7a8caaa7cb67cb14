/**
 * CSV and TSV files (RFC 4180: quoted fields may hold delimiters, quotes doubled, line
 * breaks) through `csv-parse`: a header row naming the columns, then records of as many
 * fields. Every problem is a FormatError naming the source and the line.
 */
import { CsvError, type InfoRecord, parse } from 'csv-parse/sync';
import { FormatError } from '../../errors.js';
import { isFiniteFloat32 } from './float32.js';

/** A table read from text: its column names and its records, each with its line number. */
export interface Table {
  /** Where the text came from (a file name), for messages. */
  source: string;
  /** Column names from the header row. */
  columns: string[];
  /** Records after the header; `line` is the 1-based line where the record ends. */
  rows: { line: number; fields: string[] }[];
}

/** Options of {@link parseTable}. */
export interface ParseTableOptions {
  /** Where the text came from, for messages. */
  source: string;
  /** Field separator. @default a tab for sources ending in `.tsv` or `.tab`, else a comma */
  delimiter?: string;
}

/**
 * Parses CSV or TSV text with a header row. Empty lines are skipped; a byte-order mark is dropped.
 * @throws FormatError `source:line: …` on malformed quoting, a record with another number of
 * fields than the header, a repeated or empty column name, or a text without a header.
 */
export function parseTable(text: string, options: ParseTableOptions): Table {
  const { source } = options;
  const delimiter = options.delimiter ?? (/\.(tsv|tab)$/i.test(source) ? '\t' : ',');
  let records: Table['rows'];
  try {
    // With `info`, each record comes as { record, info } (the typings only know plain string arrays).
    const parsed = parse(text, {
      delimiter,
      bom: true,
      info: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n', '\r'],
    }) as unknown as { record: string[]; info: InfoRecord }[];
    records = parsed.map(({ record, info }) => ({ line: info.lines, fields: record }));
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw new FormatError(`${source}:${line ?? '?'}: ${error.message}`);
    }
    throw error;
  }
  const [header, ...rest] = records;
  if (header === undefined) throw new FormatError(`${source}: no header row (the file is empty)`);
  const seen = new Set<string>();
  for (const name of header.fields) {
    if (name.trim() === '') throw new FormatError(`${source}:${header.line}: the header has an empty column name`);
    if (seen.has(name)) throw new FormatError(`${source}:${header.line}: the header repeats the column '${name}'`);
    seen.add(name);
  }
  return { source, columns: header.fields, rows: rest };
}

/**
 * The index of column `name` in `table`.
 * @throws FormatError `source:1: no column 'name' (columns: …)`.
 */
export function columnIndex(table: Table, name: string): number {
  const index = table.columns.indexOf(name);
  if (index < 0) {
    throw new FormatError(`${table.source}:1: no column '${name}' (the header has ${table.columns.map((c) => `'${c}'`).join(', ')})`);
  }
  return index;
}

/**
 * The numbers in column `name`, in order.
 * @throws FormatError naming the line of a value that is not a number, or one that is not finite as float32
 * (NaN, ±Infinity, or beyond ±3.4e38).
 */
export function numericColumn(table: Table, name: string): { values: number[]; lines: number[] } {
  const index = columnIndex(table, name);
  const values = table.rows.map(({ line, fields }) => {
    const text = fields[index].trim();
    const value = Number(text);
    if (text === '' || Number.isNaN(value)) {
      throw new FormatError(`${table.source}:${line}: column '${name}' holds ${JSON.stringify(fields[index])}, not a number`);
    }
    if (!isFiniteFloat32(value)) {
      throw new FormatError(
        `${table.source}:${line}: column '${name}' holds ${JSON.stringify(fields[index])}, not a finite float32 number`,
      );
    }
    return value;
  });
  return { values, lines: table.rows.map((r) => r.line) };
}
