# The Entra case of v2-url-allowed-clients.yaml, declared in Terraform.
resource "aws_bedrockagentcore_agent_runtime" "mcp_entra" {
  agent_runtime_name = "mcp_entra"
  authorizer_configuration {
    custom_jwt_authorizer {
      discovery_url   = "https://login.microsoftonline.com/4b8e2c1d-7f3a-4e6b-9c5d-2a1f0e3b8d7c/v2.0/.well-known/openid-configuration"
      allowed_clients = ["0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"]
    }
  }
}
