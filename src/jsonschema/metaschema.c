/*
 * jsonschema/metaschema.c - the draft 2020-12 metaschemas and vocabulary
 * URIs, bundled so that "$schema" and "$ref" to them never need the
 * network.  Only data and look-ups: loading them is registry.c's.
 */
#include "internal.h"

static const struct {
	const char *uri;
	unsigned bit;
} vocab_names[] = {
	{ "https://json-schema.org/draft/2020-12/vocab/core", VOC_CORE },
	{ "https://json-schema.org/draft/2020-12/vocab/applicator", VOC_APPLICATOR },
	{ "https://json-schema.org/draft/2020-12/vocab/unevaluated", VOC_UNEVALUATED },
	{ "https://json-schema.org/draft/2020-12/vocab/validation", VOC_VALIDATION },
	{ "https://json-schema.org/draft/2020-12/vocab/meta-data", VOC_METADATA },
	{ "https://json-schema.org/draft/2020-12/vocab/format-annotation", VOC_FORMAT_ANN },
	{ "https://json-schema.org/draft/2020-12/vocab/format-assertion", VOC_FORMAT_ASSERT },
	{ "https://json-schema.org/draft/2020-12/vocab/content", VOC_CONTENT },
};

/* The metaschemas, written from the published specification. */
#define MS_HEAD(id, vocab) \
	"{\"$schema\":\"" META_2020_12 "\"," \
	"\"$id\":\"https://json-schema.org/draft/2020-12/meta/" id "\"," \
	"\"$vocabulary\":{\"https://json-schema.org/draft/2020-12/vocab/" vocab "\":true}," \
	"\"$dynamicAnchor\":\"meta\",\"type\":[\"object\",\"boolean\"],"

static const struct {
	const char *uri;
	const char *text;
} builtin_schemas[] = {
	{ META_2020_12,
	  "{\"$schema\":\"" META_2020_12 "\",\"$id\":\"" META_2020_12 "\","
	  "\"$vocabulary\":{"
	  "\"https://json-schema.org/draft/2020-12/vocab/core\":true,"
	  "\"https://json-schema.org/draft/2020-12/vocab/applicator\":true,"
	  "\"https://json-schema.org/draft/2020-12/vocab/unevaluated\":true,"
	  "\"https://json-schema.org/draft/2020-12/vocab/validation\":true,"
	  "\"https://json-schema.org/draft/2020-12/vocab/meta-data\":true,"
	  "\"https://json-schema.org/draft/2020-12/vocab/format-annotation\":true,"
	  "\"https://json-schema.org/draft/2020-12/vocab/content\":true},"
	  "\"$dynamicAnchor\":\"meta\","
	  "\"title\":\"Core and Validation specifications meta-schema\","
	  "\"allOf\":[{\"$ref\":\"meta/core\"},{\"$ref\":\"meta/applicator\"},"
	  "{\"$ref\":\"meta/unevaluated\"},{\"$ref\":\"meta/validation\"},"
	  "{\"$ref\":\"meta/meta-data\"},{\"$ref\":\"meta/format-annotation\"},"
	  "{\"$ref\":\"meta/content\"}],"
	  "\"type\":[\"object\",\"boolean\"],"
	  "\"properties\":{"
	  "\"definitions\":{\"type\":\"object\",\"additionalProperties\":{\"$dynamicRef\":\"#meta\"},"
	  "\"deprecated\":true,\"default\":{}},"
	  "\"dependencies\":{\"type\":\"object\",\"additionalProperties\":{\"anyOf\":["
	  "{\"$dynamicRef\":\"#meta\"},{\"$ref\":\"meta/validation#/$defs/stringArray\"}]},"
	  "\"deprecated\":true,\"default\":{}},"
	  "\"$recursiveAnchor\":{\"$ref\":\"meta/core#/$defs/anchorString\",\"deprecated\":true},"
	  "\"$recursiveRef\":{\"$ref\":\"meta/core#/$defs/uriReferenceString\",\"deprecated\":true}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/core",
	  MS_HEAD("core", "core")
	  "\"title\":\"Core vocabulary meta-schema\","
	  "\"properties\":{"
	  "\"$id\":{\"$ref\":\"#/$defs/uriReferenceString\",\"pattern\":\"^[^#]*#?$\"},"
	  "\"$schema\":{\"$ref\":\"#/$defs/uriString\"},"
	  "\"$ref\":{\"$ref\":\"#/$defs/uriReferenceString\"},"
	  "\"$anchor\":{\"$ref\":\"#/$defs/anchorString\"},"
	  "\"$dynamicRef\":{\"$ref\":\"#/$defs/uriReferenceString\"},"
	  "\"$dynamicAnchor\":{\"$ref\":\"#/$defs/anchorString\"},"
	  "\"$vocabulary\":{\"type\":\"object\",\"propertyNames\":{\"$ref\":\"#/$defs/uriString\"},"
	  "\"additionalProperties\":{\"type\":\"boolean\"}},"
	  "\"$comment\":{\"type\":\"string\"},"
	  "\"$defs\":{\"type\":\"object\",\"additionalProperties\":{\"$dynamicRef\":\"#meta\"}}},"
	  "\"$defs\":{"
	  "\"anchorString\":{\"type\":\"string\",\"pattern\":\"^[A-Za-z_][-A-Za-z0-9._]*$\"},"
	  "\"uriString\":{\"type\":\"string\",\"format\":\"uri\"},"
	  "\"uriReferenceString\":{\"type\":\"string\",\"format\":\"uri-reference\"}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/applicator",
	  MS_HEAD("applicator", "applicator")
	  "\"title\":\"Applicator vocabulary meta-schema\","
	  "\"properties\":{"
	  "\"prefixItems\":{\"$ref\":\"#/$defs/schemaArray\"},"
	  "\"items\":{\"$dynamicRef\":\"#meta\"},"
	  "\"contains\":{\"$dynamicRef\":\"#meta\"},"
	  "\"additionalProperties\":{\"$dynamicRef\":\"#meta\"},"
	  "\"properties\":{\"type\":\"object\",\"additionalProperties\":{\"$dynamicRef\":\"#meta\"},\"default\":{}},"
	  "\"patternProperties\":{\"type\":\"object\",\"additionalProperties\":{\"$dynamicRef\":\"#meta\"},"
	  "\"propertyNames\":{\"format\":\"regex\"},\"default\":{}},"
	  "\"dependentSchemas\":{\"type\":\"object\",\"additionalProperties\":{\"$dynamicRef\":\"#meta\"},\"default\":{}},"
	  "\"propertyNames\":{\"$dynamicRef\":\"#meta\"},"
	  "\"if\":{\"$dynamicRef\":\"#meta\"},"
	  "\"then\":{\"$dynamicRef\":\"#meta\"},"
	  "\"else\":{\"$dynamicRef\":\"#meta\"},"
	  "\"allOf\":{\"$ref\":\"#/$defs/schemaArray\"},"
	  "\"anyOf\":{\"$ref\":\"#/$defs/schemaArray\"},"
	  "\"oneOf\":{\"$ref\":\"#/$defs/schemaArray\"},"
	  "\"not\":{\"$dynamicRef\":\"#meta\"}},"
	  "\"$defs\":{\"schemaArray\":{\"type\":\"array\",\"minItems\":1,\"items\":{\"$dynamicRef\":\"#meta\"}}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/unevaluated",
	  MS_HEAD("unevaluated", "unevaluated")
	  "\"title\":\"Unevaluated applicator vocabulary meta-schema\","
	  "\"properties\":{"
	  "\"unevaluatedItems\":{\"$dynamicRef\":\"#meta\"},"
	  "\"unevaluatedProperties\":{\"$dynamicRef\":\"#meta\"}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/validation",
	  MS_HEAD("validation", "validation")
	  "\"title\":\"Validation vocabulary meta-schema\","
	  "\"properties\":{"
	  "\"type\":{\"anyOf\":[{\"$ref\":\"#/$defs/simpleTypes\"},{\"type\":\"array\","
	  "\"items\":{\"$ref\":\"#/$defs/simpleTypes\"},\"minItems\":1,\"uniqueItems\":true}]},"
	  "\"const\":true,"
	  "\"enum\":{\"type\":\"array\",\"items\":true},"
	  "\"multipleOf\":{\"type\":\"number\",\"exclusiveMinimum\":0},"
	  "\"maximum\":{\"type\":\"number\"},"
	  "\"exclusiveMaximum\":{\"type\":\"number\"},"
	  "\"minimum\":{\"type\":\"number\"},"
	  "\"exclusiveMinimum\":{\"type\":\"number\"},"
	  "\"maxLength\":{\"$ref\":\"#/$defs/nonNegativeInteger\"},"
	  "\"minLength\":{\"$ref\":\"#/$defs/nonNegativeIntegerDefault0\"},"
	  "\"pattern\":{\"type\":\"string\",\"format\":\"regex\"},"
	  "\"maxItems\":{\"$ref\":\"#/$defs/nonNegativeInteger\"},"
	  "\"minItems\":{\"$ref\":\"#/$defs/nonNegativeIntegerDefault0\"},"
	  "\"uniqueItems\":{\"type\":\"boolean\",\"default\":false},"
	  "\"maxContains\":{\"$ref\":\"#/$defs/nonNegativeInteger\"},"
	  "\"minContains\":{\"$ref\":\"#/$defs/nonNegativeInteger\",\"default\":1},"
	  "\"maxProperties\":{\"$ref\":\"#/$defs/nonNegativeInteger\"},"
	  "\"minProperties\":{\"$ref\":\"#/$defs/nonNegativeIntegerDefault0\"},"
	  "\"required\":{\"$ref\":\"#/$defs/stringArray\"},"
	  "\"dependentRequired\":{\"type\":\"object\",\"additionalProperties\":{\"$ref\":\"#/$defs/stringArray\"}}},"
	  "\"$defs\":{"
	  "\"nonNegativeInteger\":{\"type\":\"integer\",\"minimum\":0},"
	  "\"nonNegativeIntegerDefault0\":{\"$ref\":\"#/$defs/nonNegativeInteger\",\"default\":0},"
	  "\"simpleTypes\":{\"enum\":[\"array\",\"boolean\",\"integer\",\"null\",\"number\",\"object\",\"string\"]},"
	  "\"stringArray\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"uniqueItems\":true,\"default\":[]}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/meta-data",
	  MS_HEAD("meta-data", "meta-data")
	  "\"title\":\"Meta-data vocabulary meta-schema\","
	  "\"properties\":{"
	  "\"title\":{\"type\":\"string\"},"
	  "\"description\":{\"type\":\"string\"},"
	  "\"default\":true,"
	  "\"deprecated\":{\"type\":\"boolean\",\"default\":false},"
	  "\"readOnly\":{\"type\":\"boolean\",\"default\":false},"
	  "\"writeOnly\":{\"type\":\"boolean\",\"default\":false},"
	  "\"examples\":{\"type\":\"array\",\"items\":true}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/format-annotation",
	  MS_HEAD("format-annotation", "format-annotation")
	  "\"title\":\"Format vocabulary meta-schema for annotation results\","
	  "\"properties\":{\"format\":{\"type\":\"string\"}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/format-assertion",
	  MS_HEAD("format-assertion", "format-assertion")
	  "\"title\":\"Format vocabulary meta-schema for assertion results\","
	  "\"properties\":{\"format\":{\"type\":\"string\"}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/content",
	  MS_HEAD("content", "content")
	  "\"title\":\"Content vocabulary meta-schema\","
	  "\"properties\":{"
	  "\"contentEncoding\":{\"type\":\"string\"},"
	  "\"contentMediaType\":{\"type\":\"string\"},"
	  "\"contentSchema\":{\"$dynamicRef\":\"#meta\"}}}" },
};

const char *metaschema_text(const char *uri)
{
	size_t i;

	for (i = 0; i < NELEM(builtin_schemas); i++)
		if (!strcmp(uri, builtin_schemas[i].uri))
			return builtin_schemas[i].text;
	return NULL;
}

unsigned metaschema_vocab_bit(const char *uri)
{
	size_t i;

	for (i = 0; i < NELEM(vocab_names); i++)
		if (!strcmp(uri, vocab_names[i].uri))
			return vocab_names[i].bit;
	return 0;
}

int metaschema_is_standard(const char *uri)
{
	static const char *const known[] = {
		META_2020_12, "https://json-schema.org/draft/2020-12/schema#",
		"https://json-schema.org/draft/2019-09/schema",
		"https://json-schema.org/draft/2019-09/schema#",
		"http://json-schema.org/draft-07/schema", "http://json-schema.org/draft-07/schema#",
		"http://json-schema.org/draft-06/schema", "http://json-schema.org/draft-06/schema#",
		"http://json-schema.org/draft-04/schema", "http://json-schema.org/draft-04/schema#",
	};
	size_t i;

	for (i = 0; i < NELEM(known); i++)
		if (!strcmp(uri, known[i]))
			return 1;
	return 0;
}
