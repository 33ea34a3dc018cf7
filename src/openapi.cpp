#include "qovery_mcp/openapi.hpp"

#include "openapi_schema.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>

namespace qovery_mcp {
namespace {

using namespace openapi_detail;

/// A plain YAML scalar read as the YAML 1.2 core schema does (null, booleans,
/// numbers), a quoted one as a string.
json scalar(const YAML::Node &node) {
  const std::string &text = node.Scalar();
  if (node.Tag() != "?")
    return text;
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
    return nullptr;
  if (text == "true" || text == "True" || text == "TRUE")
    return true;
  if (text == "false" || text == "False" || text == "FALSE")
    return false;
  json number = json::parse(text, nullptr, false);
  return number.is_number() ? number : json(text);
}

json to_json(const YAML::Node &node) {
  switch (node.Type()) {
  case YAML::NodeType::Map: {
    json object = json::object();
    for (const auto &member : node)
      object[member.first.as<std::string>()] = to_json(member.second);
    return object;
  }
  case YAML::NodeType::Sequence: {
    json array = json::array();
    for (const auto &element : node)
      array.push_back(to_json(element));
    return array;
  }
  case YAML::NodeType::Scalar:
    return scalar(node);
  default:
    return nullptr;
  }
}

/// The path of a URL ("https://api.example.com/v2/" -> "/v2"), without a
/// trailing '/'; a URL that is only a path is its own.
std::string url_path(std::string_view url) {
  if (const auto scheme = url.find("://"); scheme != std::string_view::npos) {
    const auto slash = url.find('/', scheme + 3);
    url = slash == std::string_view::npos ? std::string_view() : url.substr(slash);
  }
  url = url.substr(0, url.find_first_of("?#"));
  while (!url.empty() && url.back() == '/')
    url.remove_suffix(1);
  return std::string(url);
}

/// `path` with every `{name}` emptied to `{}`: two templates that route the
/// same requests have the same shape.
std::string template_shape(std::string_view path) {
  std::string shape;
  bool inside = false;
  for (char c : path) {
    if (c == '}')
      inside = false;
    if (!inside)
      shape += c;
    if (c == '{')
      inside = true;
  }
  return shape;
}

/// The content of `media` (a Media Type map) that is JSON, or nullptr.
const json *json_content(const json &holder) {
  auto content = holder.find("content");
  if (content == holder.end() || !content->is_object())
    return nullptr;
  for (auto media = content->begin(); media != content->end(); ++media) {
    const std::string &type = media.key();
    if (type.starts_with("application/json") || type.ends_with("+json"))
      return &media.value();
  }
  return nullptr;
}

std::string text_member(const json &object, const char *member) {
  auto value = object.find(member);
  return value != object.end() && value->is_string() ? trimmed(value->get<std::string>())
                                                     : std::string();
}

} // namespace

const OpenApiParameter *OpenApiOperation::find_parameter(std::string_view name,
                                                         std::string_view in) const {
  for (const auto &parameter : parameters)
    if (parameter.name == name && parameter.in == in)
      return &parameter;
  return nullptr;
}

Result<OpenApi> OpenApi::parse(std::string_view text, std::string file) {
  OpenApi openapi;
  openapi.file_ = std::move(file);
  // JSON is YAML too, but nlohmann reads it many times faster than yaml-cpp.
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') {
    try {
      openapi.document_ = json::parse(text);
    } catch (const json::parse_error &error) {
      return Result<OpenApi>::failure(openapi.file_ + ": not JSON: " + error.what());
    }
  } else {
    try {
      openapi.document_ = to_json(YAML::Load(std::string(text)));
    } catch (const YAML::Exception &error) {
      return Result<OpenApi>::failure(openapi.file_ + ": not YAML: " + error.what());
    }
  }
  const json &document = openapi.document_;
  if (!document.is_object() || !document.contains("openapi") || !document["openapi"].is_string() ||
      !document["openapi"].get_ref<const std::string &>().starts_with("3."))
    return Result<OpenApi>::failure(openapi.file_ +
                                    ": not an OpenAPI 3 document (no \"openapi: 3.x\" at the top)");
  if (!document.contains("paths") || !document["paths"].is_object())
    return Result<OpenApi>::failure(openapi.file_ + ": no \"paths\" mapping");
  if (auto servers = document.find("servers"); servers != document.end() && servers->is_array() &&
                                               !servers->empty() && servers->at(0).is_object())
    openapi.server_path_ = url_path(text_member(servers->at(0), "url"));
  return openapi;
}

Result<std::optional<OpenApiOperation>> OpenApi::describe(const Operation &operation,
                                                          std::string_view base_uri,
                                                          std::string_view api_name) const {
  using Described = Result<std::optional<OpenApiOperation>>;
  std::string path = url_path(base_uri) + operation.path;
  if (!server_path_.empty() && path.starts_with(server_path_ + "/"))
    path.erase(0, server_path_.size());
  std::string method = operation.method;
  std::transform(method.begin(), method.end(), method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const json &paths = document_["paths"];
  auto item = paths.begin();
  while (item != paths.end() && template_shape(item.key()) != template_shape(path))
    ++item;
  if (item == paths.end() || !item->is_object() || !item->contains(method))
    return std::optional<OpenApiOperation>();
  try {
    const SchemaReader input(document_, file_);
    const Pointer item_at = Pointer("/paths") / item.key();
    const json &path_item = item.value();
    const json &found = input.resolve(path_item.at(method), item_at / method);
    if (!found.is_object())
      input.fail(item_at / method, "an Operation Object must be a mapping");
    OpenApiOperation described;
    described.path = item.key();
    described.operation_id = text_member(found, "operationId");
    described.description = text_member(found, "description");
    if (described.description.empty())
      described.description = text_member(found, "summary");

    // Path placeholders are named as the capability names them, by position.
    const std::vector<std::string> openapi_placeholders = path_placeholders(described.path);
    const std::array<std::pair<const json *, Pointer>, 2> holders{
        {{&path_item, item_at}, {&found, item_at / method}}};
    for (const auto &[holder, at] : holders) {
      auto list = holder->find("parameters");
      if (list == holder->end())
        continue;
      if (!list->is_array())
        input.fail(at / "parameters", "must be a list");
      for (std::size_t i = 0; i < list->size(); ++i) {
        const json &given = input.resolve(list->at(i), at / "parameters" / i);
        const std::string name = text_member(given, "name"), in = text_member(given, "in");
        if (name.empty() || in.empty())
          input.fail(at / "parameters" / i, "a Parameter Object needs a name and an in");
        OpenApiParameter parameter{name, in, given.value("required", false) == true,
                                   text_member(given, "description"), json::object()};
        if (auto schema = given.find("schema"); schema != given.end()) {
          parameter.schema = input.input_schema(*schema, at / "parameters" / i / "schema");
        }
        if (in == "path") {
          auto index = std::find(openapi_placeholders.begin(), openapi_placeholders.end(), name);
          const auto position = static_cast<std::size_t>(index - openapi_placeholders.begin());
          if (position < operation.path_params.size())
            parameter.name = operation.path_params[position];
        }
        auto same = std::find_if(described.parameters.begin(), described.parameters.end(),
                                 [&](const OpenApiParameter &p) {
                                   return p.name == parameter.name && p.in == parameter.in;
                                 });
        if (same != described.parameters.end())
          *same = std::move(parameter);
        else
          described.parameters.push_back(std::move(parameter));
      }
    }

    if (auto body = found.find("requestBody"); body != found.end()) {
      const Pointer at = item_at / method / "requestBody";
      const json &request = input.resolve(*body, at);
      described.body_required = request.value("required", false) == true;
      described.body_description = text_member(request, "description");
      if (const json *media = json_content(request); media && media->contains("schema")) {
        described.body = input.input_schema(media->at("schema"), at / "content" / "schema");
      }
    }

    if (auto responses = found.find("responses");
        responses != found.end() && responses->is_object()) {
      for (auto answer = responses->begin(); answer != responses->end(); ++answer) {
        if (!answer.key().starts_with("2"))
          continue;
        const Pointer at = item_at / method / "responses" / answer.key();
        described.success_status = answer.key();
        const json *media = json_content(input.resolve(answer.value(), at));
        if (media == nullptr || !media->contains("schema"))
          break;
        described.success =
            input.output_schema(media->at("schema"), at / "content" / "schema", api_name);
        break;
      }
    }
    return std::optional<OpenApiOperation>(std::move(described));
  } catch (const OpenApiError &error) {
    return Described::failure(error.message);
  }
}

} // namespace qovery_mcp
