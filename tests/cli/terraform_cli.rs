//! Gateways and Terraform as authorizer sources (issue 13 items 4 and 5): the seed's Cognito app
//! client trusted by a CloudFormation `AWS::BedrockAgentCore::Gateway`, by `get-gateway` output
//! and by a Terraform directory with a JWT runtime and a JWT gateway; each explained with the
//! seed's ID token (rejected) and access token (accepted). All offline (`--jwks`).

use crate::support::tokens::*;
use serde_json::{Value, json};

const TF_DIR: &str = "seed/terraform";

/// `explain` with `args` (source options) on a seed token, human output.
fn explain(args: &[&str], token: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut c = tokdiag(dir.path());
    c.env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .arg("explain")
        .args(args)
        .args(["--jwks", &testdata("seed/jwks.json")])
        .arg(testdata(&format!("seed/{token}")));
    run(c)
}

/// The same as JSON.
fn explain_json(args: &[&str], token: &str) -> (i32, Value) {
    let dir = tempfile::tempdir().unwrap();
    let mut c = tokdiag(dir.path());
    c.env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .arg("explain")
        .args(args)
        .args(["--jwks", &testdata("seed/jwks.json")])
        .arg(testdata(&format!("seed/{token}")));
    run_json(c)
}

/// Asserts the human output of an ID token refused because allowedClients only matches
/// `client_id`: the verdict, the authorizer line, the failed check, the diagnosis at `file:line`.
fn assert_id_token_rejected(out: &str, authorizer: &str, file: &str, line: usize) {
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0], "✗ REJECTED — AgentCore refuses this Cognito ID token",
        "{out}"
    );
    assert_eq!(
        lines[1],
        format!("  authorizer: {authorizer}, {file}"),
        "{out}"
    );
    // A gateway refuses a failing JWT with 403 where a runtime says 401.
    let status = if authorizer.starts_with("gateway ") {
        "403"
    } else {
        "401"
    };
    let refusal = format!(
        "matches only `client_id` — AgentCore answers {status} \"Claim 'client_id' value\n"
    );
    assert_eq!(
        lines[2],
        format!(
            "  the service answers {status}: Claim 'client_id' value mismatch with configuration."
        ),
        "{out}"
    );
    assert!(out.contains(&refusal), "{out}");
    assert!(
        out.contains(&format!(
            "  ✓ issuer      iss is\n                {ISSUER}\n"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "  ✗ client_id   Missing client_id. Expected one of: {CLIENT}\n"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "  ✗ id-token-for-allowed-clients  [{file}:{line}]\n"
        )),
        "{out}"
    );
}

/// Asserts the human output of the accepted access token.
fn assert_access_token_accepted(out: &str, authorizer: &str, file: &str) {
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0], "✓ ACCEPTED — AgentCore would accept this Cognito access token",
        "{out}"
    );
    assert_eq!(
        lines[1],
        format!("  authorizer: {authorizer}, {file}"),
        "{out}"
    );
    assert!(
        out.contains(&format!("  ✓ client_id   client_id {CLIENT} is allowed\n")),
        "{out}"
    );
    assert!(!out.contains("diagnosis"), "{out}");
}

// ------------------------------------------------------------------------------ CloudFormation

#[test]
fn cloudformation_gateway_id_token_is_rejected() {
    let cfg = testdata("seed/cloudformation-gateway.yaml");
    let (code, out, err) = explain(&["--config", &cfg, "--region", "us-east-1"], "id-token.jwt");
    assert_eq!(code, 1, "{out}{err}");
    assert_id_token_rejected(&out, "gateway ToolsGateway", &cfg, 23);
    assert_eq!(err, "");
}

#[test]
fn cloudformation_gateway_access_token_is_accepted() {
    let cfg = testdata("seed/cloudformation-gateway.yaml");
    let (code, out, err) = explain(
        &["--config", &cfg, "--region", "us-east-1"],
        "access-token.jwt",
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_access_token_accepted(&out, "gateway ToolsGateway", &cfg);
    let (_, v) = explain_json(
        &["--config", &cfg, "--region", "us-east-1"],
        "access-token.jwt",
    );
    assert_eq!(v["authorizer"]["source"], "cloudformation");
    assert_eq!(v["authorizer"]["discovery_url"], DISCOVERY);
    assert_eq!(v["authorizer"]["allowed_clients"], json!([CLIENT]));
}

#[test]
fn cloudformation_gateway_without_region_leaves_it_unresolved() {
    let cfg = testdata("seed/cloudformation-gateway.yaml");
    let (_, _, err) = explain(&["--config", &cfg], "access-token.jwt");
    assert!(
        err.contains(
            "warning: unresolved: AWS::Region — supply it with --region us-east-1 or --param AWS::Region=us-east-1\n"
        ),
        "{err}"
    );
}

#[test]
fn cloudformation_gateway_with_jwt_type_and_no_configuration_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("gw.yaml");
    std::fs::write(
        &cfg,
        "Resources:\n  Gw:\n    Type: AWS::BedrockAgentCore::Gateway\n    Properties:\n      Name: gw\n      AuthorizerType: CUSTOM_JWT\n",
    )
    .unwrap();
    let cfg = cfg.display().to_string();
    let (_, v) = explain_json(&["--config", &cfg], "access-token.jwt");
    let d = v["diagnoses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| {
            d["message"]
                .as_str()
                .unwrap_or("")
                .contains("`AuthorizerType: CUSTOM_JWT` (line 6) needs `AuthorizerConfiguration.CustomJWTAuthorizer`")
        })
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(d["line"], 6, "{d:#}");
}

// --------------------------------------------------------------------------------- get-gateway

#[test]
fn get_gateway_id_token_is_rejected() {
    let cfg = testdata("seed/get-gateway.json");
    let (code, out, err) = explain(&["--config", &cfg], "id-token.jwt");
    assert_eq!(code, 1, "{out}{err}");
    assert_id_token_rejected(&out, "gateway tools-gateway", &cfg, 23);
    assert_eq!(err, "");
}

#[test]
fn get_gateway_access_token_is_accepted_also_as_authorizer_json() {
    let cfg = testdata("seed/get-gateway.json");
    for flag in ["--config", "--authorizer-json"] {
        let (code, out, err) = explain(&[flag, &cfg], "access-token.jwt");
        assert_eq!(code, 0, "{out}{err}");
        assert_access_token_accepted(&out, "gateway tools-gateway", &cfg);
    }
    let (_, v) = explain_json(&["--config", &cfg], "access-token.jwt");
    assert_eq!(v["authorizer"]["source"], "control-plane-json");
    assert_eq!(v["authorizer"]["agent"], "tools-gateway");
}

// ----------------------------------------------------------------------------------- Terraform

#[test]
fn terraform_runtime_id_token_is_rejected() {
    let dir = testdata(TF_DIR);
    let main = testdata("seed/terraform/main.tf");
    let (code, out, err) = explain(
        &["--config", &dir, "--resource", "mcp_server"],
        "id-token.jwt",
    );
    assert_eq!(code, 1, "{out}{err}");
    assert_id_token_rejected(
        &out,
        "runtime aws_bedrockagentcore_agent_runtime.mcp_server",
        &main,
        40,
    );
    assert_eq!(err, "", "variables, tfvars and locals all resolve");
}

#[test]
fn terraform_runtime_access_token_is_accepted() {
    let dir = testdata(TF_DIR);
    let main = testdata("seed/terraform/main.tf");
    let (code, out, err) = explain(
        &["--config", &dir, "--agent", "mcp_server"],
        "access-token.jwt",
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_access_token_accepted(
        &out,
        "runtime aws_bedrockagentcore_agent_runtime.mcp_server",
        &main,
    );
    let (_, v) = explain_json(
        &["--config", &dir, "--agent", "mcp_server"],
        "access-token.jwt",
    );
    assert_eq!(v["authorizer"]["source"], "terraform");
    assert_eq!(v["authorizer"]["discovery_url"], DISCOVERY);
    assert_eq!(v["authorizer"]["allowed_clients"], json!([CLIENT]));
}

#[test]
fn terraform_gateway_id_token_is_rejected() {
    let dir = testdata(TF_DIR);
    let main = testdata("seed/terraform/main.tf");
    let (code, out, err) = explain(
        &[
            "--config",
            &dir,
            "--resource",
            "aws_bedrockagentcore_gateway.tools",
        ],
        "id-token.jwt",
    );
    assert_eq!(code, 1, "{out}{err}");
    assert_id_token_rejected(
        &out,
        "gateway aws_bedrockagentcore_gateway.tools",
        &main,
        54,
    );
    // The fix is written in HCL, applied with terraform.
    assert!(
        out.contains(&format!(
            "           allowed_audience = [\"{CLIENT}\"]\n           then apply it (`terraform apply`)\n"
        )),
        "{out}"
    );
}

#[test]
fn terraform_gateway_access_token_is_accepted() {
    let dir = testdata(TF_DIR);
    let main = testdata("seed/terraform/main.tf");
    let (code, out, err) = explain(
        &["--config", &dir, "--resource", "tools"],
        "access-token.jwt",
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_access_token_accepted(&out, "gateway aws_bedrockagentcore_gateway.tools", &main);
}

#[test]
fn terraform_directory_with_two_jwt_resources_needs_a_choice() {
    let dir = testdata(TF_DIR);
    let (code, out, err) = explain(&["--config", &dir], "access-token.jwt");
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(
        err,
        format!(
            "tokdiag: error: {dir} defines 2 resources and several have a JWT authorizer: runtime aws_bedrockagentcore_agent_runtime.mcp_server (JWT), gateway aws_bedrockagentcore_gateway.tools (JWT)\n  hint: use --resource with one of: aws_bedrockagentcore_agent_runtime.mcp_server, aws_bedrockagentcore_gateway.tools\n"
        )
    );
}

#[test]
fn terraform_file_alone_leaves_its_variables_unresolved() {
    // main.tf without variables.tf and terraform.tfvars: nothing is guessed.
    let main = testdata("seed/terraform/main.tf");
    let (_, v) = explain_json(
        &["--config", &main, "--resource", "tools"],
        "access-token.jwt",
    );
    assert_eq!(
        v["authorizer"]["allowed_clients"],
        json!(["${var.app_client_id}"])
    );
    assert_eq!(
        v["authorizer"]["discovery_url"],
        "https://cognito-idp.${var.region}.amazonaws.com/${var.user_pool_id}/.well-known/openid-configuration"
    );
    let warnings: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        warnings.contains(
            &"unresolved: var.app_client_id (no `variable \"app_client_id\"` block was read) — supply it with --param app_client_id=CLIENT_ID"
        ),
        "{warnings:?}"
    );

    // --param supplies each by variable name (or as var.NAME).
    let (code, v) = explain_json(
        &[
            "--config",
            &main,
            "--resource",
            "tools",
            "--param",
            &format!("app_client_id={CLIENT}"),
            "--param",
            "var.region=us-east-1",
            "--param",
            &format!("user_pool_id={POOL}"),
        ],
        "access-token.jwt",
    );
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["verdict"], "accepted");
    assert_eq!(v["authorizer"]["discovery_url"], DISCOVERY);
    assert!(v.get("warnings").is_none_or(|w| w == &json!([])), "{v:#}");
}

#[test]
fn terraform_reference_is_shown_unresolved_and_param_supplies_it() {
    let dir = tempfile::tempdir().unwrap();
    let tf = dir.path().join("gateway.tf");
    std::fs::write(
        &tf,
        format!(
            "resource \"aws_bedrockagentcore_gateway\" \"gw\" {{\n  name            = \"gw\"\n  authorizer_type = \"CUSTOM_JWT\"\n  authorizer_configuration {{\n    custom_jwt_authorizer {{\n      discovery_url   = \"{DISCOVERY}\"\n      allowed_clients = [aws_cognito_user_pool_client.main.id]\n    }}\n  }}\n}}\n"
        ),
    )
    .unwrap();
    let cfg = tf.display().to_string();
    let (_, v) = explain_json(&["--config", &cfg], "access-token.jwt");
    let client_id = v["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == "client_id"))
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(
        client_id["expected"],
        json!(["${aws_cognito_user_pool_client.main.id}"])
    );
    let (_, _, err) = explain(&["--config", &cfg], "access-token.jwt");
    assert!(
        err.contains("warning: unresolved: aws_cognito_user_pool_client.main.id — supply it with --param aws_cognito_user_pool_client.main.id=CLIENT_ID\n"),
        "{err}"
    );
    let (code, out, err) = explain(
        &[
            "--config",
            &cfg,
            "--param",
            &format!("aws_cognito_user_pool_client.main.id={CLIENT}"),
        ],
        "access-token.jwt",
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_access_token_accepted(&out, "gateway aws_bedrockagentcore_gateway.gw", &cfg);
    assert_eq!(err, "");
}

#[test]
fn terraform_file_is_not_parsed_as_yaml() {
    // Before: "syntax error at line 2 column 30" from the YAML reader. A .tf under another
    // name is recognised by its content.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(testdata("seed/terraform/main.tf")).unwrap();
    let other = dir.path().join("agentcore.hcl");
    std::fs::write(&other, text).unwrap();
    let cfg = other.display().to_string();
    let (_, v) = explain_json(
        &["--config", &cfg, "--resource", "tools"],
        "access-token.jwt",
    );
    assert_eq!(v["authorizer"]["source"], "terraform", "{v:#}");
    assert_eq!(
        v["authorizer"]["agent"],
        "aws_bedrockagentcore_gateway.tools"
    );
}

#[test]
fn terraform_syntax_error_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let tf = dir.path().join("main.tf");
    std::fs::write(
        &tf,
        "resource \"aws_bedrockagentcore_gateway\" \"gw\" {\n  name = \"gw\n}\n",
    )
    .unwrap();
    let (code, out, err) = explain(
        &["--config", &dir.path().display().to_string()],
        "access-token.jwt",
    );
    assert_eq!(code, 2, "{out}{err}");
    let first = err.lines().next().unwrap_or("");
    assert!(
        first.starts_with(&format!(
            "tokdiag: error: invalid config {}: HCL syntax error at line 2 column",
            tf.display()
        )),
        "{err}"
    );
    assert!(err.contains("  hint: fix the HCL at "), "{err}");
}

#[test]
fn terraform_misspelt_argument_is_config_key_ignored_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let tf = dir.path().join("runtime.tf");
    std::fs::write(
        &tf,
        format!(
            "resource \"aws_bedrockagentcore_agent_runtime\" \"r\" {{\n  agent_runtime_name = \"r\"\n  authorizer_configuration {{\n    custom_jwt_authorizer {{\n      discovery_url  = \"{DISCOVERY}\"\n      allowed_client = [\"{CLIENT}\"]\n    }}\n  }}\n}}\n"
        ),
    )
    .unwrap();
    let cfg = tf.display().to_string();
    let (_, v) = explain_json(&["--config", &cfg], "access-token.jwt");
    assert!(
        codes(&v).contains(&"config-key-ignored".to_string()),
        "{v:#}"
    );
    let d = v["diagnoses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "config-key-ignored")
        .unwrap();
    assert_eq!(d["line"], 6, "{d:#}");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("`allowed_client` is not a `custom_jwt_authorizer` field and is never checked: did you mean `allowed_clients`?"),
        "{d:#}"
    );
}

#[test]
fn terraform_gateway_by_its_name_and_the_login_hint_names_the_directory() {
    let dir = testdata(TF_DIR);
    let main = testdata("seed/terraform/main.tf");
    // `--gateway` takes the resource's label or the gateway's `name`.
    for name in ["tools", "tools-gateway"] {
        let (code, out, err) = explain(&["--config", &dir, "--gateway", name], "id-token.jwt");
        assert_eq!(code, 1, "{out}{err}");
        assert_id_token_rejected(
            &out,
            "gateway aws_bedrockagentcore_gateway.tools",
            &main,
            54,
        );
        // The login hint reads the whole directory (variables.tf, terraform.tfvars) and names
        // the resource with the flag `login` takes.
        assert!(
            out.contains(&format!(
                "`tokdiag login --config {dir} --gateway tools --username alice`"
            )),
            "{out}"
        );
    }
    let (code, out, err) = explain(&["--config", &dir, "--agent", "mcp_server"], "id-token.jwt");
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains(&format!(
            "`tokdiag login --config {dir} --agent mcp_server --username alice`"
        )),
        "{out}"
    );
    let (code, _, err) = explain(&["--config", &dir, "--gateway", "nope"], "id-token.jwt");
    assert_eq!(code, 2);
    assert_eq!(
        err,
        format!(
            "tokdiag: error: {dir} has no gateway named nope\n  hint: use --gateway with one of: tools\n"
        )
    );
}

#[test]
fn terraform_gateway_json_has_kind_and_authorizer_type() {
    let dir = testdata(TF_DIR);
    let (_, v) = explain_json(
        &["--config", &dir, "--gateway", "tools"],
        "access-token.jwt",
    );
    assert_eq!(v["authorizer"]["kind"], "gateway");
    assert_eq!(
        v["authorizer"]["name"],
        "aws_bedrockagentcore_gateway.tools"
    );
    assert_eq!(v["authorizer"]["authorizer_type"], "CUSTOM_JWT");
    let (_, v) = explain_json(
        &["--config", &dir, "--agent", "mcp_server"],
        "access-token.jwt",
    );
    assert_eq!(v["authorizer"]["kind"], "runtime");
}

// ------------------------------------------------------------- unresolved Terraform references

/// A runtime or gateway whose `custom_jwt_authorizer` body is `body`.
fn tf_resource(gateway: bool, body: &str) -> String {
    let head = if gateway {
        "resource \"aws_bedrockagentcore_gateway\" \"r\" {\n  name            = \"r\"\n  authorizer_type = \"CUSTOM_JWT\"\n"
    } else {
        "resource \"aws_bedrockagentcore_agent_runtime\" \"r\" {\n  agent_runtime_name = \"r\"\n"
    };
    format!(
        "{head}  authorizer_configuration {{\n    custom_jwt_authorizer {{\n{body}\n    }}\n  }}\n}}\n"
    )
}

/// The `custom_jwt_authorizer` body with `reference` in `field`, every other field literal and
/// satisfied by the seed's access token, and the check that field decides.
fn body_with(field: &str, r: &str) -> (String, &'static str) {
    let disc = format!("      discovery_url   = \"{DISCOVERY}\"");
    let clients = format!("      allowed_clients = [\"{CLIENT}\"]");
    let claim = |name: &str, vtype: &str, op: &str, value: &str| {
        format!(
            "      custom_claim {{\n        inbound_token_claim_name       = {name}\n        inbound_token_claim_value_type = {vtype}\n        authorizing_claim_match_value {{\n          claim_match_operator = {op}\n          claim_match_value {{\n            match_value_string = {value}\n          }}\n        }}\n      }}"
        )
    };
    let lit = |s: &str| format!("\"{s}\"");
    let groups = lit("cognito:groups");
    let (sa, contains, admins) = (lit("STRING_ARRAY"), lit("CONTAINS"), lit("admins"));
    match field {
        "discovery_url" => (format!("      discovery_url   = {r}\n{clients}"), "issuer"),
        "discovery_url template" => (
            format!(
                "      discovery_url   = \"https://cognito-idp.us-east-1.amazonaws.com/${{{r}}}/.well-known/openid-configuration\"\n{clients}"
            ),
            "issuer",
        ),
        "allowed_clients" => (
            format!("{disc}\n      allowed_clients = [{r}]"),
            "client_id",
        ),
        "allowed_clients list" => (format!("{disc}\n      allowed_clients = {r}"), "client_id"),
        "allowed_audience" => (format!("{disc}\n      allowed_audience = [{r}]"), "aud"),
        "allowed_scopes" => (
            format!("{disc}\n{clients}\n      allowed_scopes = [{r}]"),
            "scope",
        ),
        "inbound_token_claim_name" => (
            format!("{disc}\n{clients}\n{}", claim(r, &sa, &contains, &admins)),
            "claim:",
        ),
        "inbound_token_claim_value_type" => (
            format!(
                "{disc}\n{clients}\n{}",
                claim(&groups, r, &contains, &admins)
            ),
            "claim:cognito:groups",
        ),
        "claim_match_operator" => (
            format!("{disc}\n{clients}\n{}", claim(&groups, &sa, r, &admins)),
            "claim:cognito:groups",
        ),
        "match_value_string" => (
            format!("{disc}\n{clients}\n{}", claim(&groups, &sa, &contains, r)),
            "claim:cognito:groups",
        ),
        other => panic!("no field {other}"),
    }
}

#[test]
fn every_kind_of_unresolved_terraform_reference_in_every_authorizer_field_gives_unknown() {
    // Before: a discovery_url, or a custom claim's name, that was a reference gave REJECTED
    // (exit 1, "not a discovery URL"; "missing claim ${var.x}"); the headline always blamed
    // the signature or issuer.
    let kinds = [
        "var.pool_setting",
        "local.pool_setting",
        "module.auth.pool_setting",
        "data.aws_cognito_user_pool.main.id",
        "aws_cognito_user_pool_client.main.id",
        "one(var.settings)",
    ];
    let fields = [
        "discovery_url",
        "discovery_url template",
        "allowed_clients",
        "allowed_clients list",
        "allowed_audience",
        "allowed_scopes",
        "inbound_token_claim_name",
        "inbound_token_claim_value_type",
        "claim_match_operator",
        "match_value_string",
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut cases = Vec::new();
    for r in kinds {
        for f in fields {
            cases.push((r, f, false));
        }
    }
    for f in fields {
        cases.push(("var.pool_setting", f, true));
    }
    for (i, (r, field, gateway)) in cases.into_iter().enumerate() {
        // A function call is shown (and supplied) as its text; a template takes a reference.
        if field == "discovery_url template" && r.contains('(') {
            continue;
        }
        let (body, check) = body_with(field, r);
        let tf = dir.path().join(format!("case{i}.tf"));
        std::fs::write(&tf, tf_resource(gateway, &body)).unwrap();
        let cfg = tf.display().to_string();
        let what = format!(
            "{r} in {field} of a {}",
            if gateway { "gateway" } else { "runtime" }
        );
        let (code, v) = explain_json(&["--config", &cfg], "access-token.jwt");
        assert_eq!(code, 3, "{what}: {v:#}");
        assert_eq!(v["verdict"], "unknown", "{what}: {v:#}");
        assert_eq!(v["unresolved"], json!([r]), "{what}: {v:#}");
        let check_id = if check == "claim:" {
            format!("claim:${{{r}}}")
        } else {
            check.to_string()
        };
        let c = v["checks"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["id"] == check_id.as_str()))
            .unwrap_or_else(|| panic!("{what}: no check {check_id}: {v:#}"));
        assert_eq!(c["status"], "skip", "{what}: {c:#}");
        assert_eq!(
            c["message"],
            format!(
                "cannot decide: the configured value ${{{r}}} is unresolved; supply it with --param {}",
                tokdiag::fsx::sh_word(&format!("{r}=VALUE"))
            ),
            "{what}"
        );
        assert!(
            v["checks"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["status"] != "fail"),
            "{what}: {v:#}"
        );
        assert_eq!(v["diagnoses"], json!([]), "{what}: {v:#}");
        let (code, out, _) = explain(&["--config", &cfg], "access-token.jwt");
        assert_eq!(code, 3, "{what}: {out}");
        assert_eq!(
            out.lines().next().unwrap_or(""),
            format!(
                "? UNKNOWN — the configuration leaves ${{{r}}} unresolved: supply it with --param {}",
                tokdiag::fsx::sh_word(&format!("{r}=VALUE"))
            ),
            "{what}"
        );
    }
}

#[test]
fn an_unresolved_reference_that_is_supplied_decides_again() {
    let dir = tempfile::tempdir().unwrap();
    let tf = dir.path().join("main.tf");
    let (body, _) = body_with("discovery_url", "module.auth.discovery_url");
    std::fs::write(&tf, tf_resource(false, &body)).unwrap();
    let cfg = tf.display().to_string();
    let (code, out, err) = explain(
        &[
            "--config",
            &cfg,
            "--param",
            &format!("module.auth.discovery_url={DISCOVERY}"),
        ],
        "access-token.jwt",
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_access_token_accepted(&out, "runtime aws_bedrockagentcore_agent_runtime.r", &cfg);
    // A real failure still decides: the ID token has no client_id whatever the discovery URL.
    let (body, _) = body_with("discovery_url", "var.disc");
    std::fs::write(&tf, tf_resource(false, &body)).unwrap();
    let (code, v) = explain_json(&["--config", &cfg], "id-token.jwt");
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["verdict"], "rejected");
    assert_eq!(v["unresolved"], json!(["var.disc"]));
}

#[test]
fn the_unknown_headline_names_several_unresolved_values_and_an_unreachable_issuer() {
    let dir = tempfile::tempdir().unwrap();
    let tf = dir.path().join("main.tf");
    std::fs::write(
        &tf,
        tf_resource(
            true,
            &format!(
                "      discovery_url    = \"{DISCOVERY}\"\n      allowed_clients  = [var.client]\n      allowed_audience = [local.aud]"
            ),
        ),
    )
    .unwrap();
    let cfg = tf.display().to_string();
    let (code, out, err) = explain(&["--config", &cfg], "access-token.jwt");
    assert_eq!(code, 3, "{out}{err}");
    // The access token carries client_id (the reference may name it) and no aud.
    assert_eq!(
        out.lines().next().unwrap(),
        "? UNKNOWN — the configuration leaves ${var.client}, ${local.aud} unresolved: supply them with --param var.client=VALUE --param local.aud=VALUE"
    );
    // Without --jwks and with an issuer nobody can reach, the keys are a second reason.
    let unreachable = "http://127.0.0.1:9/pool/.well-known/openid-configuration";
    std::fs::write(
        &tf,
        tf_resource(
            false,
            &format!(
                "      discovery_url   = \"{unreachable}\"\n      allowed_clients = [var.client]"
            ),
        ),
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.args(["--allow-http", "explain", "--config", &cfg])
        .arg(testdata("seed/access-token.jwt"));
    let (code, out, err) = run(c);
    assert_eq!(code, 3, "{out}{err}");
    assert_eq!(
        out.lines().next().unwrap(),
        "? UNKNOWN — the configuration leaves ${var.client} unresolved: supply it with --param var.client=VALUE; the signature or issuer could not be checked"
    );
}

#[test]
fn verify_resolves_aws_region_in_a_cloudformation_discovery_url() {
    // `--region` resolves `${AWS::Region}` for verify as for explain: offline, the issuer is the
    // discovery URL without its suffix, so an unresolved region would fail the issuer check.
    let cfg = testdata("seed/cloudformation-gateway.yaml");
    let dir = tempfile::tempdir().unwrap();
    let mut c = tokdiag(dir.path());
    c.args(["verify", "--config", &cfg])
        .args([
            "--region",
            "us-east-1",
            "--jwks",
            &testdata("seed/jwks.json"),
        ])
        .arg(format!("@{}", testdata("seed/access-token.jwt")));
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("\n  ✓ issuer      iss is {ISSUER}\n")),
        "{out}"
    );
}

// ------------------------------------------------- unresolved authorizer types (issue 13 item e)

/// The seed's JWT settings as a CloudFormation gateway whose `AuthorizerType` is `type_yaml`.
fn cfn_gateway_yaml(type_yaml: &str) -> String {
    format!(
        "Parameters:\n  T:\n    Type: String\nResources:\n  Gw:\n    Type: AWS::BedrockAgentCore::Gateway\n    Properties:\n      Name: gw\n      AuthorizerType: {type_yaml}\n      AuthorizerConfiguration:\n        CustomJWTAuthorizer:\n          DiscoveryUrl: {DISCOVERY}\n          AllowedClients:\n          - {CLIENT}\n"
    )
}

/// Explains the access token with `config` and `extra`; asserts an undecided type named `name`.
fn assert_type_undecided(cfg: &str, name: &str) {
    let (code, v) = explain_json(&["--config", cfg], "access-token.jwt");
    assert_eq!(code, 3, "{v:#}");
    assert_eq!(v["verdict"], "unknown");
    assert_eq!(v["unresolved"], json!([name]));
    assert_eq!(v["checks"][0]["id"], "authorizer");
    assert_eq!(v["checks"][0]["status"], "skip");
    assert_eq!(
        v["checks"][0]["message"],
        format!(
            "cannot decide: the authorizer type ${{{name}}} is unresolved (CUSTOM_JWT checks the token as below, AWS_IAM refuses every bearer token); supply it with --param {name}=VALUE"
        )
    );
    let (code, out, err) = explain(&["--config", cfg], "access-token.jwt");
    assert_eq!(code, 3, "{out}{err}");
    assert_eq!(
        out.lines().next().unwrap(),
        format!(
            "? UNKNOWN — the configuration leaves ${{{name}}} unresolved: supply it with --param {name}=VALUE"
        )
    );
}

#[test]
fn an_unresolved_terraform_authorizer_type_decides_nothing_until_supplied() {
    // Before: `authorizer_type = var.t` with a custom_jwt_authorizer block was taken as
    // CUSTOM_JWT: ACCEPTED, exit 0, whatever the variable holds.
    let dir = tempfile::tempdir().unwrap();
    let tf = dir.path().join("main.tf");
    let body = format!(
        "variable \"t\" {{}}\nresource \"aws_bedrockagentcore_gateway\" \"r\" {{\n  name            = \"r\"\n  authorizer_type = var.t\n  authorizer_configuration {{\n    custom_jwt_authorizer {{\n      discovery_url   = \"{DISCOVERY}\"\n      allowed_clients = [\"{CLIENT}\"]\n    }}\n  }}\n}}\n"
    );
    std::fs::write(&tf, &body).unwrap();
    let cfg = tf.display().to_string();
    assert_type_undecided(&cfg, "var.t");
    // The same for a runtime.
    std::fs::write(
        &tf,
        body.replace(
            "aws_bedrockagentcore_gateway",
            "aws_bedrockagentcore_agent_runtime",
        )
        .replace("  name ", "  agent_runtime_name "),
    )
    .unwrap();
    assert_type_undecided(&cfg, "var.t");
    std::fs::write(&tf, &body).unwrap();

    let (code, out, err) = explain(
        &["--config", &cfg, "--param", "t=CUSTOM_JWT"],
        "access-token.jwt",
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_access_token_accepted(&out, "gateway aws_bedrockagentcore_gateway.r", &cfg);

    let (code, v) = explain_json(
        &["--config", &cfg, "--param", "t=AWS_IAM"],
        "access-token.jwt",
    );
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["verdict"], "rejected");
    assert!(v.get("unresolved").is_none(), "{v:#}");
    assert_eq!(v["authorizer"]["authorizer_type"], "AWS_IAM");
    let d = crate::support::json::diag(&v, "authorizer-not-configured");
    assert_eq!(
        d["message"],
        "gateway aws_bedrockagentcore_gateway.r has `authorizer_type = \"AWS_IAM\"`: the gateway uses IAM SigV4 and refuses bearer tokens with 403 (AccessDenied)"
    );
}

#[test]
fn an_unresolved_cloudformation_authorizer_type_decides_nothing_until_supplied() {
    let dir = tempfile::tempdir().unwrap();
    for (file, text) in [
        ("gw.yaml", cfn_gateway_yaml("!Ref T")),
        (
            "gw.json",
            format!(
                "{{\"Parameters\": {{\"T\": {{\"Type\": \"String\"}}}}, \"Resources\": {{\"Gw\": {{\"Type\": \"AWS::BedrockAgentCore::Gateway\", \"Properties\": {{\"Name\": \"gw\", \"AuthorizerType\": {{\"Ref\": \"T\"}}, \"AuthorizerConfiguration\": {{\"CustomJWTAuthorizer\": {{\"DiscoveryUrl\": \"{DISCOVERY}\", \"AllowedClients\": [\"{CLIENT}\"]}}}}}}}}}}}}"
            ),
        ),
    ] {
        let path = dir.path().join(file);
        std::fs::write(&path, text).unwrap();
        let cfg = path.display().to_string();
        assert_type_undecided(&cfg, "T");
        let (code, out, err) = explain(
            &["--config", &cfg, "--param", "T=CUSTOM_JWT"],
            "access-token.jwt",
        );
        assert_eq!(code, 0, "{file}: {out}{err}");
        assert_access_token_accepted(&out, "gateway Gw", &cfg);
        let (code, v) = explain_json(
            &["--config", &cfg, "--param", "T=AWS_IAM"],
            "access-token.jwt",
        );
        assert_eq!(code, 1, "{file}: {v:#}");
        assert_eq!(v["verdict"], "rejected");
        let d = crate::support::json::diag(&v, "authorizer-not-configured");
        let written = if file.ends_with(".json") {
            "\"AuthorizerType\": \"AWS_IAM\""
        } else {
            "AuthorizerType: AWS_IAM"
        };
        assert_eq!(
            d["message"],
            format!(
                "gateway Gw has `{written}`: the gateway uses IAM SigV4 and refuses bearer tokens with 403 (AccessDenied)"
            ),
            "{file}"
        );
    }
}

// --------------------------------------------------- selection: did you mean (issue 13 item c)

#[test]
fn a_misspelt_resource_name_gets_a_did_you_mean_in_every_source() {
    let dir = testdata(TF_DIR);
    let tf_cases: [(&str, &str, String); 3] = [
        ("--gateway", "tols", "did you mean --gateway tools? use --gateway with one of: tools".into()),
        (
            "--resource",
            "aws_bedrockagentcore_gateway.tool",
            "did you mean --resource aws_bedrockagentcore_gateway.tools? use --resource with one of: aws_bedrockagentcore_agent_runtime.mcp_server, aws_bedrockagentcore_gateway.tools".into(),
        ),
        (
            "--agent",
            "mcp_servr",
            "did you mean --agent mcp_server? use --agent with one of: mcp_server".into(),
        ),
    ];
    for (flag, name, hint) in tf_cases {
        let (code, out, err) = explain(&["--config", &dir, flag, name], "id-token.jwt");
        assert_eq!(code, 2, "{out}{err}");
        assert!(err.ends_with(&format!("\n  hint: {hint}\n")), "{err}");
    }
    // The gateway's service name is selected through the same code (select.rs).
    let (code, out, err) = explain(
        &["--config", &dir, "--gateway", "tools-gateway"],
        "access-token.jwt",
    );
    assert_eq!(code, 0, "{out}{err}");
    let cfn = testdata("seed/cloudformation-gateway.yaml");
    let (code, _, err) = explain(
        &["--config", &cfn, "--resource", "ToolGateway"],
        "id-token.jwt",
    );
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err,
        format!(
            "tokdiag: error: {cfn} has no AgentCore resource ToolGateway\n  hint: did you mean --resource ToolsGateway? use --resource with one of: ToolsGateway\n"
        )
    );
}

// ----------------------------------------- fixes in the template's own syntax (issue 13 item a)

/// A CloudFormation runtime trusting the seed's client (a JSON template when `json`, else YAML),
/// with the seed's `DiscoveryUrl` when `discovery`.
fn cfn_runtime(json: bool, discovery: bool) -> String {
    if json {
        let disc = if discovery {
            format!("\"DiscoveryUrl\": \"{DISCOVERY}\", ")
        } else {
            String::new()
        };
        format!(
            "{{\n  \"Resources\": {{\n    \"Rt\": {{\n      \"Type\": \"AWS::BedrockAgentCore::Runtime\",\n      \"Properties\": {{\n        \"AuthorizerConfiguration\": {{\n          \"CustomJWTAuthorizer\": {{{disc}\"AllowedClients\": [\"{CLIENT}\"]}}\n        }}\n      }}\n    }}\n  }}\n}}\n"
        )
    } else {
        let disc = if discovery {
            format!("          DiscoveryUrl: {DISCOVERY}\n")
        } else {
            String::new()
        };
        format!(
            "Resources:\n  Rt:\n    Type: AWS::BedrockAgentCore::Runtime\n    Properties:\n      AuthorizerConfiguration:\n        CustomJWTAuthorizer:\n{disc}          AllowedClients:\n          - {CLIENT}\n"
        )
    }
}

#[test]
fn a_json_template_gets_json_snippets_and_a_yaml_template_yaml() {
    // Before: a JSON template was told to write `AllowedAudience:\n  - x` and
    // `add `DiscoveryUrl: https://…``, YAML it cannot hold.
    let dir = tempfile::tempdir().unwrap();
    for json in [true, false] {
        let path = dir.path().join(if json { "t.json" } else { "t.yaml" });
        let cfg = path.display().to_string();
        // The ID token against AllowedClients: the fix writes AllowedAudience.
        std::fs::write(&path, cfn_runtime(json, true)).unwrap();
        let (code, v) = explain_json(&["--config", &cfg], "id-token.jwt");
        assert_eq!(code, 1, "{v:#}");
        let d = crate::support::json::diag(&v, "id-token-for-allowed-clients");
        let fixes: Vec<String> = (0..d["fixes"].as_array().unwrap().len())
            .map(|i| crate::support::json::fix(d, i))
            .collect();
        let snippet = if json {
            format!("  \"AllowedAudience\": [\"{CLIENT}\"]")
        } else {
            format!("  AllowedAudience:\n  - {CLIENT}")
        };
        assert!(
            fixes.iter().any(|f| f.contains(&snippet)),
            "json={json}: {fixes:#?}"
        );
        // No DiscoveryUrl: config-invalid, its fix in the template's syntax.
        std::fs::write(&path, cfn_runtime(json, false)).unwrap();
        let (code, v) = explain_json(&["--config", &cfg], "access-token.jwt");
        assert_eq!(code, 1, "{v:#}");
        let d = crate::support::json::diag(&v, "config-invalid");
        let line = if json { 7 } else { 6 };
        let add = if json {
            "add `\"DiscoveryUrl\": \"https://<issuer>/.well-known/openid-configuration\"`"
        } else {
            "add `DiscoveryUrl: https://<issuer>/.well-known/openid-configuration`"
        };
        assert_eq!(
            crate::support::json::fix(d, 0),
            format!("at {cfg}:{line}: {add}"),
            "json={json}"
        );
        assert_eq!(
            crate::support::json::fix(d, 1),
            "then update the stack (`aws cloudformation deploy --template-file <template> --stack-name <stack>`)"
        );
    }
}

#[test]
fn config_invalid_fixes_speak_each_source_syntax() {
    // Before: every source was told `add `discoveryUrl: …`` / `indent them under a `X:` key`.
    let dir = tempfile::tempdir().unwrap();
    let tf = dir.path().join("main.tf");
    std::fs::write(
        &tf,
        "resource \"aws_bedrockagentcore_agent_runtime\" \"r\" {\n  agent_runtime_name = \"r\"\n  authorizer_configuration {\n    custom_jwt_authorizer {\n      allowed_audience = [\"x\"]\n    }\n  }\n}\n",
    )
    .unwrap();
    let cfg = tf.display().to_string();
    let (code, v) = explain_json(&["--config", &cfg], "access-token.jwt");
    assert_eq!(code, 1, "{v:#}");
    let d = crate::support::json::diag(&v, "config-invalid");
    assert_eq!(
        crate::support::json::fix(d, 0),
        format!(
            "at {cfg}:4: add `discovery_url = \"https://<issuer>/.well-known/openid-configuration\"`"
        )
    );
    // The JWT fields directly under authorizer_configuration: a block to add, not a YAML key.
    std::fs::write(
        &tf,
        format!(
            "resource \"aws_bedrockagentcore_agent_runtime\" \"r\" {{\n  agent_runtime_name = \"r\"\n  authorizer_configuration {{\n    discovery_url   = \"{DISCOVERY}\"\n    allowed_clients = [\"{CLIENT}\"]\n  }}\n}}\n"
        ),
    )
    .unwrap();
    let (code, v) = explain_json(&["--config", &cfg], "access-token.jwt");
    assert_eq!(code, 1, "{v:#}");
    let d = crate::support::json::diag(&v, "config-invalid");
    assert_eq!(
        crate::support::json::fix(d, 0),
        format!(
            "at {cfg}:3: move them into a `custom_jwt_authorizer {{ … }}` block (authorizer_configuration → custom_jwt_authorizer → discovery_url)"
        )
    );
    // A JSON template without any allowed list.
    let t = dir.path().join("t.json");
    std::fs::write(
        &t,
        format!(
            "{{\"Resources\": {{\"Rt\": {{\"Type\": \"AWS::BedrockAgentCore::Runtime\", \"Properties\": {{\"AuthorizerConfiguration\": {{\"CustomJWTAuthorizer\": {{\"DiscoveryUrl\": \"{DISCOVERY}\"}}}}}}}}}}}}"
        ),
    )
    .unwrap();
    let cfg = t.display().to_string();
    let (code, v) = explain_json(&["--config", &cfg], "access-token.jwt");
    assert_eq!(code, 1, "{v:#}");
    let d = crate::support::json::diag(&v, "config-invalid");
    assert_eq!(
        crate::support::json::fix(d, 0),
        format!(
            "at {cfg}:1: add `\"AllowedClients\": [\"<app client id>\"]` (Cognito access tokens carry `client_id`)"
        )
    );
}

#[test]
fn a_missing_authorizer_block_is_absent_and_a_bare_custom_jwt_is_not_iam() {
    // Before: Terraform said "authorizer_configuration is null" for a block never written, and
    // CUSTOM_JWT without a configuration was described as "uses IAM SigV4".
    let dir = tempfile::tempdir().unwrap();
    let tf = dir.path().join("main.tf");
    std::fs::write(
        &tf,
        "resource \"aws_bedrockagentcore_agent_runtime\" \"r\" {\n  agent_runtime_name = \"r\"\n}\n",
    )
    .unwrap();
    let cfg = tf.display().to_string();
    let (code, v) = explain_json(&["--config", &cfg], "access-token.jwt");
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(
        crate::support::json::diag(&v, "authorizer-not-configured")["message"],
        "authorizer_configuration is absent: the runtime uses IAM SigV4 and refuses bearer tokens with 403 (AccessDenied)"
    );
    assert_eq!(
        crate::support::json::check(&v, "authorizer")["message"],
        "the runtime has no JWT authorizer (no authorizer_configuration block, or one set to null): it accepts only IAM SigV4 and refuses every bearer token with 403"
    );
    let project = dir.path().join("agentcore.json");
    std::fs::write(
        &project,
        "{\"runtimes\": [{\"name\": \"a\", \"authorizerType\": \"CUSTOM_JWT\"}]}",
    )
    .unwrap();
    let cfg = project.display().to_string();
    let (code, v) = explain_json(&["--config", &cfg], "access-token.jwt");
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(
        crate::support::json::diag(&v, "authorizer-not-configured")["message"],
        "runtime a has authorizerType CUSTOM_JWT: the runtime says CUSTOM_JWT but configures no JWT authorizer, which the service requires: it refuses this configuration at deploy time"
    );
    assert_eq!(
        crate::support::json::check(&v, "authorizer")["message"],
        "the runtime has no JWT authorizer (CUSTOM_JWT without a JWT configuration): the service refuses this configuration at deploy time"
    );
}

#[test]
fn a_get_gateway_with_type_none_checks_no_jwt_whatever_its_configuration() {
    // Before: authorizerType NONE with a customJWTAuthorizer was warned about, then the JWT
    // configuration was evaluated anyway (ACCEPTED for the access token).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gw.json");
    let text = std::fs::read_to_string(testdata("seed/get-gateway.json")).unwrap();
    assert!(text.contains("\"authorizerType\": \"CUSTOM_JWT\""));
    std::fs::write(
        &path,
        text.replace(
            "\"authorizerType\": \"CUSTOM_JWT\"",
            "\"authorizerType\": \"NONE\"",
        ),
    )
    .unwrap();
    let cfg = path.display().to_string();
    let (code, v) = explain_json(&["--config", &cfg], "access-token.jwt");
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["verdict"], "rejected");
    let d = crate::support::json::diag(&v, "authorizer-not-configured");
    let msg = d["message"].as_str().unwrap();
    assert!(
        msg.ends_with(
            " has `\"authorizerType\": \"NONE\"`: the gateway has no inbound authorizer (authorizerType NONE): it does not check bearer tokens at all"
        ),
        "{msg}"
    );
}
