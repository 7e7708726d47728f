#!/usr/bin/env node
// Recalculate .xlsx workbooks with HyperFormula and print every cell's value as JSON.
//
//   node recalc.js A.xlsx [B.xlsx ...]
//
// exceljs reads each workbook's cells (formulas, values) and defined names;
// HyperFormula rebuilds the workbook from them, ignoring every cached result,
// and computes it. Display rounding is switched off: smartRounding false makes
// HyperFormula export raw IEEE doubles (precisionRounding is then unused) and
// compare and add numbers exactly (its epsilon becomes 0); precisionEpsilon 0
// says the same explicitly.
//
// Output, one JSON document on stdout:
//   {"engine": "hyperformula", "version": "3.5.0",
//    "files": {"A.xlsx": {"Sheet!A1": 1.5, "Sheet!B1": "text", "Sheet!C1": true,
//                         "Sheet!D1": {"error": "#N/A"}, ...}, ...}}
// A file that cannot be read or computed gets {"failed": "message"} instead.
'use strict';

const path = require('path');
const ExcelJS = require('exceljs');
const { HyperFormula } = require('hyperformula');

// exceljs 4.4.0 parses drawing parts written with the `xdr:` prefix only;
// openpyxl writes them with a default namespace, exceljs parses nothing and
// stops with "Cannot read properties of undefined (reading 'anchors')".
// Charts are not needed here: such a drawing becomes an empty one.
const XLSX = require('exceljs/lib/xlsx/xlsx');
const reconcile = XLSX.prototype.reconcile;
XLSX.prototype.reconcile = function reconcileEmptyDrawings(model, options) {
  const drawings = model.drawings || {};
  for (const name of Object.keys(drawings)) {
    if (!drawings[name] || !Array.isArray(drawings[name].anchors)) {
      drawings[name] = { ...(drawings[name] || {}), anchors: [] };
    }
  }
  return reconcile.call(this, model, options);
};

const CONFIG = {
  licenseKey: 'gpl-v3',
  smartRounding: false,
  precisionEpsilon: 0,
  useArrayArithmetic: false,
  maxRows: 1048576,
  maxColumns: 16384,
};

const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);

function columnName(index) {
  // 0 -> A
  let name = '';
  let n = index + 1;
  while (n > 0) {
    const r = (n - 1) % 26;
    name = String.fromCharCode(65 + r) + name;
    n = Math.floor((n - 1) / 26);
  }
  return name;
}

function formulaText(formula) {
  // exceljs gives formulas without '='; drop the future-function prefixes.
  return '=' + formula.replace(/_xlfn\.|_xlws\./g, '');
}

function plain(value) {
  // A literal cell value as HyperFormula input (text always as text).
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return "'" + value;
  if (value instanceof Date) return (value.getTime() - EXCEL_EPOCH_MS) / 86400000;
  if (typeof value === 'object') {
    if (value.richText) return "'" + value.richText.map((t) => t.text).join('');
    if (value.error) return value.error;
    if (value.text !== undefined) return "'" + String(value.text);
  }
  return "'" + String(value);
}

function cellContent(cell) {
  const v = cell.value;
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    if (v.formula !== undefined || v.sharedFormula !== undefined) {
      const f = cell.formula; // shared formulas come back translated to this cell
      if (f) return formulaText(f);
    }
    if (v.result !== undefined && v.formula === undefined && v.sharedFormula === undefined) {
      return plain(v.result);
    }
  }
  return plain(v);
}

function exported(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : { error: '#NUM!', detail: String(value) };
  }
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'object' && value.value !== undefined && value.type !== undefined) {
    return { error: value.value, detail: value.message || '' };
  }
  return String(value);
}

async function recalc(file) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const sheets = {};
  const order = [];
  wb.eachSheet((ws) => {
    const rows = [];
    ws.eachRow({ includeEmpty: false }, (row, r) => {
      row.eachCell({ includeEmpty: false }, (cell, c) => {
        const content = cellContent(cell);
        if (content === null) return;
        while (rows.length < r) rows.push([]);
        const line = rows[r - 1];
        while (line.length < c) line.push(null);
        line[c - 1] = content;
      });
    });
    sheets[ws.name] = rows;
    order.push(ws.name);
  });
  const names = [];
  for (const dn of wb.definedNames.model) {
    if (!dn.name || dn.name.startsWith('_xlnm.')) continue;
    const ranges = dn.ranges || [];
    if (ranges.length !== 1) continue;
    names.push({ name: dn.name, expression: '=' + ranges[0] });
  }
  const hf = HyperFormula.buildFromSheets(sheets, CONFIG, names);
  const out = {};
  for (const name of order) {
    const id = hf.getSheetId(name);
    const values = hf.getSheetValues(id);
    values.forEach((row, r) => {
      row.forEach((value, c) => {
        if (value === null || value === undefined) return;
        out[`${name}!${columnName(c)}${r + 1}`] = exported(value);
      });
    });
  }
  hf.destroy();
  return out;
}

async function main() {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    process.stderr.write('usage: node recalc.js A.xlsx [B.xlsx ...]\n');
    process.exit(2);
  }
  const result = {
    engine: 'hyperformula',
    version: HyperFormula.version,
    config: { smartRounding: CONFIG.smartRounding, precisionEpsilon: CONFIG.precisionEpsilon },
    files: {},
  };
  for (const file of files) {
    try {
      result.files[file] = await recalc(path.resolve(file));
    } catch (err) {
      result.files[file] = { failed: String((err && err.stack) || err) };
    }
  }
  process.stdout.write(JSON.stringify(result));
}

main().catch((err) => {
  process.stderr.write(String((err && err.stack) || err) + '\n');
  process.exit(1);
});
