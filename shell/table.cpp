#include "shell/table.hpp"

#include <algorithm>

namespace tasks::shell {

namespace {

constexpr std::string_view ellipsis = "\xe2\x80\xa6";  // "…"

bool continuation_byte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

std::string pad(const std::string& text, size_t width, Align align) {
  const size_t gap = width - std::min(width, display_width(text));
  return align == Align::left ? text + std::string(gap, ' ') : std::string(gap, ' ') + text;
}

}  // namespace

size_t display_width(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) { return !continuation_byte(c); }));
}

std::string fit_cell(std::string_view text, size_t max_width) {
  std::string clean;
  clean.reserve(text.size());
  for (char c : text) clean += (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) ? ' ' : c;
  if (display_width(clean) <= max_width) return clean;
  if (max_width == 0) return "";
  // Keep max_width - 1 characters (never splitting one), then the ellipsis.
  size_t kept = 0, end = 0;
  while (end < clean.size()) {
    size_t next = end + 1;
    while (next < clean.size() && continuation_byte(clean[next])) ++next;
    if (kept + 1 > max_width - 1) break;
    ++kept;
    end = next;
  }
  return clean.substr(0, end) + std::string(ellipsis);
}

std::string render(const Table& table) {
  const size_t n = table.columns.size();
  std::vector<std::vector<std::string>> cells;
  cells.reserve(table.rows.size() + 1);
  std::vector<std::string> header;
  for (const auto& column : table.columns) header.push_back(fit_cell(column.header, column.max_width));
  cells.push_back(std::move(header));
  for (const auto& row : table.rows) {
    std::vector<std::string> line(n);
    for (size_t i = 0; i < n && i < row.size(); ++i) line[i] = fit_cell(row[i], table.columns[i].max_width);
    cells.push_back(std::move(line));
  }
  std::vector<size_t> widths(n, 0);
  for (const auto& line : cells)
    for (size_t i = 0; i < n; ++i) widths[i] = std::max(widths[i], display_width(line[i]));

  std::string out;
  for (size_t r = 0; r < cells.size(); ++r) {
    std::string text;
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) text += "  ";
      // Headers line up with their column's cells, so a right-aligned column has a right-aligned header.
      text += pad(cells[r][i], widths[i], table.columns[i].align);
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  }
  return out;
}

}  // namespace tasks::shell
