//! Usage history bindings: ids, validation, column-based query/summary, JSONL text and stores.

use pie_storage_core::bindings_support::{
    filter_by_fields, order_by_time, query_indices, records_array_text, series_of_columns,
    summarize_facts, summarize_facts_with, StreamingIndex, TextColumn, UsageColumns, UsageIndex,
    AMOUNT_FIELDS,
};
use pie_storage_core::usage::{
    self, LineDiagnostic, SummaryOptions, UsageLog, UsageRecordQuery, UsageSeriesOptions,
    UsageSummary,
};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::errors::{coded, to_js, JsResult};
use crate::operation::JsOperation;
use pie_storage_core::Error;
use std::rc::Rc;

fn to_js_value<T: Serialize + ?Sized>(value: &T) -> JsResult<JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value
        .serialize(&serializer)
        .map_err(|e| coded("PIE_INTERNAL", &e.to_string()))
}

/// A value whose `None`s are JavaScript `null` (the series' `from`/`to` without buckets).
fn to_js_value_with_nulls<T: Serialize + ?Sized>(value: &T) -> JsResult<JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::new()
        .serialize_maps_as_objects(true)
        .serialize_missing_as_null(true);
    value
        .serialize(&serializer)
        .map_err(|e| coded("PIE_INTERNAL", &e.to_string()))
}

fn query_from_js(query: JsValue) -> JsResult<UsageRecordQuery> {
    if query.is_undefined() || query.is_null() {
        return Ok(UsageRecordQuery::default());
    }
    serde_wasm_bindgen::from_value(query).map_err(|e| coded("PIE_INVALID_QUERY", &e.to_string()))
}

/// Options of a summary or series (`{groupBy?, top?}`, `{bucket?, timeZone?}`); `undefined`
/// or `null` are the defaults, anything that does not read is `PIE_INVALID_QUERY`.
fn options_from_js<T: serde::de::DeserializeOwned + Default>(options: JsValue) -> JsResult<T> {
    if options.is_undefined() || options.is_null() {
        return Ok(T::default());
    }
    serde_wasm_bindgen::from_value(options).map_err(|e| coded("PIE_INVALID_QUERY", &e.to_string()))
}

/// The text fields besides the summary's that the extra groups of `options` read (in column
/// layout names), for the JS encoder to send.
#[wasm_bindgen(js_name = usageSummaryExtraFields)]
pub fn usage_summary_extra_fields(options: JsValue) -> JsResult<Vec<String>> {
    let options: SummaryOptions = options_from_js(options)?;
    Ok(options
        .group_by
        .iter()
        .map(|g| g.field().to_owned())
        .filter(|f| f != "status")
        .collect())
}

/// `createUsageRecordId(prefix = "usage")`.
#[wasm_bindgen(js_name = createUsageRecordId)]
pub fn create_usage_record_id(prefix: Option<String>) -> JsResult<String> {
    usage::create_usage_record_id(prefix.as_deref().unwrap_or("usage")).map_err(to_js)
}

/// Validates a record given as `JSON.stringify(record)` and returns the exact line a
/// `JsonlUsageStore` would append (without the newline).
#[wasm_bindgen(js_name = usageRecordLine)]
pub fn usage_record_line(json: &str) -> JsResult<String> {
    let map = usage::validate_usage_record_json(json).map_err(to_js)?;
    Ok(pie_storage_core::json::to_js_string(
        &serde_json::Value::Object(map),
    ))
}

/// The column layout (`core/src/usage/columns.rs` `COLUMN_LAYOUT`): `{textFields, plainFields,
/// amountFields, missingLength}`. The JS encoder takes its slot order and codings from it.
#[wasm_bindgen(js_name = usageColumnLayout)]
pub fn usage_column_layout() -> JsResult<JsValue> {
    to_js_value(&pie_storage_core::bindings_support::COLUMN_LAYOUT)
}

/// Records as columns, filled by the JS encoder (see `core/src/usage/columns.rs`).
#[wasm_bindgen(js_name = UsageColumns)]
pub struct JsUsageColumns {
    inner: UsageColumns,
}

#[wasm_bindgen(js_class = UsageColumns)]
impl JsUsageColumns {
    #[wasm_bindgen(constructor)]
    pub fn new(rows: u32) -> Self {
        JsUsageColumns {
            inner: UsageColumns::new(rows as usize),
        }
    }

    /// A dictionary-coded text column: ids per row (0 = missing), the dictionary's entries
    /// joined, and their UTF-16 lengths.
    #[wasm_bindgen(js_name = setDictText)]
    pub fn set_dict_text(
        &mut self,
        field: &str,
        ids: Vec<u32>,
        joined: &str,
        lengths: Vec<u32>,
    ) -> JsResult<()> {
        if ids.len() != self.inner.rows {
            return Err(coded(
                "PIE_INVALID_COLUMNS",
                "text column length differs from the row count",
            ));
        }
        self.set(field, TextColumn::dict_from_joined(ids, joined, &lengths))
    }

    /// A plain text column: every row's value joined as UTF-8 bytes, and each row's UTF-16
    /// length (0xFFFFFFFF for a missing value). Bytes, because TextEncoder is much faster than
    /// wasm-bindgen's string copy for megabytes of text.
    #[wasm_bindgen(js_name = setPlainText)]
    pub fn set_plain_text(
        &mut self,
        field: &str,
        joined: Vec<u8>,
        lengths: Vec<u32>,
    ) -> JsResult<()> {
        if lengths.len() != self.inner.rows {
            return Err(coded(
                "PIE_INVALID_COLUMNS",
                "text column length differs from the row count",
            ));
        }
        // JS strings may hold lone surrogates, which TextEncoder turns into U+FFFD.
        let joined = String::from_utf8(joined)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        self.set(field, TextColumn::plain_from_joined(joined, &lengths))
    }

    fn set(&mut self, field: &str, column: TextColumn) -> JsResult<()> {
        if self.inner.set_text(field, column) {
            Ok(())
        } else {
            Err(coded(
                "PIE_INVALID_COLUMNS",
                &format!("unknown text field {field}"),
            ))
        }
    }

    /// All amounts, `rows * 10` numbers, and the per-row bit mask of present slots.
    #[wasm_bindgen(js_name = setAmounts)]
    pub fn set_amounts(&mut self, amounts: Vec<f64>, present: Vec<u16>) -> JsResult<()> {
        if amounts.len() != self.inner.rows * AMOUNT_FIELDS.len()
            || present.len() != self.inner.rows
        {
            return Err(coded(
                "PIE_INVALID_COLUMNS",
                "amount columns do not match the row count",
            ));
        }
        self.inner.amounts = amounts;
        self.inner.present = present;
        Ok(())
    }
}

fn positions(rows: Vec<usize>) -> Vec<u32> {
    rows.into_iter().map(|i| i as u32).collect()
}

/// `queryUsageRecords` over columns: the positions of the result, in result order.
#[wasm_bindgen(js_name = queryUsageColumns)]
pub fn query_usage_columns(columns: &JsUsageColumns, query: JsValue) -> JsResult<Vec<u32>> {
    Ok(positions(query_indices(
        &columns.inner,
        &query_from_js(query)?,
    )))
}

/// The record fields `query` filters on (time bounds aside), in column-layout names: the
/// columns [`filter_usage_columns`] needs. The core owns which query key reads which field.
#[wasm_bindgen(js_name = usageQueryFields)]
pub fn usage_query_fields(query: JsValue) -> JsResult<Vec<String>> {
    Ok(query_from_js(query)?
        .filtered_fields()
        .into_iter()
        .map(str::to_owned)
        .collect())
}

/// Query step one: the rows passing every filter but the time bounds (input order).
#[wasm_bindgen(js_name = filterUsageColumns)]
pub fn filter_usage_columns(columns: &JsUsageColumns, query: JsValue) -> JsResult<Vec<u32>> {
    Ok(positions(filter_by_fields(
        &columns.inner,
        &query_from_js(query)?,
    )))
}

/// Query step two over columns holding the candidates' timestamps: time bounds, sort, limit.
#[wasm_bindgen(js_name = orderUsageColumns)]
pub fn order_usage_columns(columns: &JsUsageColumns, query: JsValue) -> JsResult<Vec<u32>> {
    let rows = 0..columns.inner.rows;
    Ok(positions(order_by_time(
        &columns.inner,
        rows,
        &query_from_js(query)?,
    )))
}

/// `summarizeUsageRecords` over columns (every row, in order).
#[wasm_bindgen(js_name = summarizeUsageColumns)]
pub fn summarize_usage_columns(columns: &JsUsageColumns) -> JsResult<JsValue> {
    to_js_value(&summarize_facts(&columns.inner, 0..columns.inner.rows))
}

/// `summarizeUsageRecords(records, options)` over columns (every row, in order).
#[wasm_bindgen(js_name = summarizeUsageColumnsWith)]
pub fn summarize_usage_columns_with(
    columns: &JsUsageColumns,
    options: JsValue,
) -> JsResult<JsValue> {
    let options: SummaryOptions = options_from_js(options)?;
    to_js_value(&summarize_facts_with(
        &columns.inner,
        0..columns.inner.rows,
        &options,
    ))
}

/// `summarizeUsageRecordsByTime(records, query, options)` over columns holding the query's
/// fields, the timestamps, the status and the amounts.
#[wasm_bindgen(js_name = summarizeUsageColumnsByTime)]
pub fn summarize_usage_columns_by_time(
    columns: &JsUsageColumns,
    query: JsValue,
    options: JsValue,
) -> JsResult<JsValue> {
    let query = query_from_js(query)?;
    let options: UsageSeriesOptions = options_from_js(options)?;
    let series = series_of_columns(&columns.inner, &query, &options).map_err(to_js)?;
    to_js_value_with_nulls(&series)
}

/// The summary and skipped lines of an index, as `summarizeUsageJsonl` returns them.
fn summary_of_index(index: &UsageIndex, query: JsValue, options: JsValue) -> JsResult<JsValue> {
    #[derive(Serialize)]
    struct Out<'a> {
        summary: &'a UsageSummary,
        diagnostics: &'a [LineDiagnostic],
    }
    let options: SummaryOptions = options_from_js(options)?;
    let summary = index.summarize_with(&query_from_js(query)?, &options);
    to_js_value(&Out {
        summary: &summary,
        diagnostics: index.diagnostics(),
    })
}

/// `summarizeUsageJsonl` over a stream: chunks are pushed as they arrive and only the
/// unfinished line is kept between them.
#[wasm_bindgen(js_name = UsageJsonlSummarizer)]
#[derive(Default)]
pub struct JsUsageJsonlSummarizer {
    stream: Option<StreamingIndex>,
}

#[wasm_bindgen(js_class = UsageJsonlSummarizer)]
impl JsUsageJsonlSummarizer {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Self {
        JsUsageJsonlSummarizer {
            stream: Some(StreamingIndex::new()),
        }
    }

    /// The next bytes of the JSONL stream (any split, even inside a line or a character).
    pub fn push(&mut self, chunk: &[u8]) -> JsResult<()> {
        match self.stream.as_mut() {
            Some(stream) => {
                stream.push(chunk);
                Ok(())
            }
            None => Err(finished()),
        }
    }

    /// Ends the stream: `{ summary, diagnostics }`.
    pub fn finish(&mut self, query: JsValue, options: JsValue) -> JsResult<JsValue> {
        let stream = self.stream.take().ok_or_else(finished)?;
        summary_of_index(&stream.finish(), query, options)
    }

    /// Ends the stream: `{ series, diagnostics }`.
    #[wasm_bindgen(js_name = finishByTime)]
    pub fn finish_by_time(&mut self, query: JsValue, options: JsValue) -> JsResult<JsValue> {
        #[derive(Serialize)]
        struct Out<'a> {
            series: &'a usage::UsageSeries,
            diagnostics: &'a [LineDiagnostic],
        }
        let stream = self.stream.take().ok_or_else(finished)?;
        let index = stream.finish();
        let options: UsageSeriesOptions = options_from_js(options)?;
        let series = index
            .summarize_by_time(&query_from_js(query)?, &options)
            .map_err(to_js)?;
        to_js_value_with_nulls(&Out {
            series: &series,
            diagnostics: index.diagnostics(),
        })
    }
}

fn finished() -> JsValue {
    coded(
        "PIE_INVALID_INPUT",
        "the summarizer already finished its stream",
    )
}

/// Records of raw JSONL as one JSON array text, plus the skipped lines.
#[wasm_bindgen(js_name = parseUsageJsonl)]
pub fn parse_usage_jsonl(bytes: &[u8]) -> JsResult<JsValue> {
    #[derive(Serialize)]
    struct Out {
        text: String,
        diagnostics: Vec<LineDiagnostic>,
    }
    let (text, diagnostics) = records_array_text(bytes);
    to_js_value(&Out { text, diagnostics })
}

/// A `JsonlUsageStore` whose I/O the host carries out, step by step.
#[wasm_bindgen(js_name = JsonlUsageStoreCore)]
pub struct JsJsonlUsageStore {
    log: Rc<UsageLog>,
}

fn text_out(text: String) -> Result<JsValue, Error> {
    Ok(JsValue::from(text))
}

#[wasm_bindgen(js_class = JsonlUsageStoreCore)]
impl JsJsonlUsageStore {
    /// The store of the file at absolute path `name` (stores of one file share one index);
    /// with `saves_index` the index is also kept in the `savedIndex` blob.
    #[wasm_bindgen(constructor)]
    pub fn new(name: String, saves_index: bool) -> Self {
        JsJsonlUsageStore {
            log: Rc::new(UsageLog::new(Some(&name), saves_index)),
        }
    }

    /// `queryUsageRecords(await getUsageRecords(), query)` as steps; the value is one JSON
    /// array text, and only the returned records are read from the file.
    #[wasm_bindgen(js_name = queryOperation)]
    pub fn query_operation(&self, query: JsValue) -> JsResult<JsOperation> {
        let query = query_from_js(query)?;
        Ok(JsOperation::new(
            self.log.query_text_operation(query).map(text_out),
        ))
    }

    /// Validates `JSON.stringify(record)`; the steps append it as one line.
    #[wasm_bindgen(js_name = recordOperation)]
    pub fn record_operation(&self, json: &str) -> JsResult<JsOperation> {
        // The store validates; here the text only has to be a JSON object.
        let map = match pie_storage_core::json::parse(json) {
            Ok(serde_json::Value::Object(map)) => map,
            Ok(_) => {
                usage::validate_usage_record_json(json).map_err(to_js)?;
                return Err(coded(
                    "PIE_INVALID_USAGE_RECORD",
                    "record must be an object",
                ));
            }
            Err(e) => {
                return Err(coded(
                    "PIE_INVALID_JSON",
                    &format!("usage record is not valid JSON: {e}"),
                ))
            }
        };
        Ok(JsOperation::new(
            self.log
                .record_operation(map)
                .map(|()| Ok(JsValue::UNDEFINED)),
        ))
    }

    /// Every record as one JSON array text (for a single `JSON.parse`), as steps.
    #[wasm_bindgen(js_name = recordsOperation)]
    pub fn records_operation(&self) -> JsOperation {
        JsOperation::new(self.log.records_text_operation().map(text_out))
    }

    /// `summarizeUsageRecords(queryUsageRecords(records, query))` with `limit` ignored, reading
    /// only the fields a summary needs, as steps.
    #[wasm_bindgen(js_name = summarizeOperation)]
    pub fn summarize_operation(&self, query: JsValue, options: JsValue) -> JsResult<JsOperation> {
        let query = query_from_js(query)?;
        let options: SummaryOptions = options_from_js(options)?;
        Ok(JsOperation::new(
            self.log
                .summarize_with_operation(query, options)
                .map(|summary| {
                    to_js_value(&summary)
                        .map_err(|_| Error::storage("the summary cannot cross to JavaScript"))
                }),
        ))
    }

    /// `summarizeUsageByTime(query, options)` from the index, as steps.
    #[wasm_bindgen(js_name = summarizeByTimeOperation)]
    pub fn summarize_by_time_operation(
        &self,
        query: JsValue,
        options: JsValue,
    ) -> JsResult<JsOperation> {
        let query = query_from_js(query)?;
        let options: UsageSeriesOptions = options_from_js(options)?;
        Ok(JsOperation::new(
            self.log
                .summarize_by_time_operation(query, options)
                .map(|series| {
                    to_js_value_with_nulls(&series)
                        .map_err(|_| Error::storage("the series cannot cross to JavaScript"))
                }),
        ))
    }

    /// The lines skipped by the last read.
    pub fn diagnostics(&self) -> JsResult<JsValue> {
        to_js_value(&self.log.diagnostics())
    }
}

/// `getDefaultUsageFilePath(env)`: `env` is a plain object of environment variables.
#[wasm_bindgen(js_name = defaultUsageFilePath)]
pub fn default_usage_file_path(env: JsValue, home: &str) -> String {
    let lookup = |key: &str| {
        js_sys::Reflect::get(&env, &key.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    pie_storage_core::paths::default_usage_file_path(&lookup, home)
}

/// Where the index of the usage file at `path` is saved.
#[wasm_bindgen(js_name = savedUsageIndexPath)]
pub fn saved_usage_index_path(path: &str) -> String {
    usage::saved_index_path(path)
}
