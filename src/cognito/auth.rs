//! Signing in to a Cognito user pool: `InitiateAuth` (`USER_PASSWORD_AUTH`, `REFRESH_TOKEN_AUTH`)
//! and the challenges that follow through `RespondToAuthChallenge` (`NEW_PASSWORD_REQUIRED`,
//! `SOFTWARE_TOKEN_MFA`, `SMS_MFA`, `EMAIL_MFA`, `SELECT_MFA_TYPE`; `MFA_SETUP` is explained, not
//! performed), and the mapping of every Cognito error to a cause and a fix.
//!
//! Both operations are unauthenticated in the Cognito API model, so the SDK is configured with
//! `no_credentials()`: no `~/.aws`, no credential chain, no instance metadata lookups.

use std::collections::HashMap;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_cognitoidentityprovider as cip;
use cip::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use cip::types::{AuthFlowType, AuthenticationResultType, ChallengeNameType};

use crate::cognito::{Secret, Tokens, secret_hash};
use crate::error::{Error, Result};
use crate::fsx::{sh_quote, sh_word};

/// How to reach Cognito.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// The region (endpoint resolution needs it even with an endpoint URL).
    pub region: String,
    /// `--endpoint-url`; the `AWS_ENDPOINT_URL*` environment is read by aws-config itself.
    pub endpoint_url: Option<String>,
    /// `--profile` (only its region/endpoint settings matter: no credentials are used).
    pub profile: Option<String>,
    /// The endpoint as shown in messages.
    pub endpoint_display: String,
    /// Where the `--verbose` trace goes: one line per request and response (never a password
    /// or secret).
    pub notes: crate::notes::Notes,
}

/// A Cognito client for the unauthenticated sign-in operations.
#[derive(Debug, Clone)]
pub struct Cognito {
    client: cip::Client,
    endpoint: String,
    notes: crate::notes::Notes,
}

/// What one sign-in step answered.
#[derive(Debug, Clone)]
pub enum Step {
    /// Tokens: done.
    Done(Tokens),
    /// Another challenge to answer.
    Challenge(Challenge),
}

/// A challenge from `InitiateAuth` or `RespondToAuthChallenge`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// `ChallengeName`.
    pub name: String,
    /// `Session`, passed back with the answer.
    pub session: Option<String>,
    /// `ChallengeParameters`.
    pub parameters: HashMap<String, String>,
}

/// Who signs in where.
#[derive(Debug, Clone, Copy)]
pub struct Login<'a> {
    /// App client id.
    pub client_id: &'a str,
    /// The user name as typed.
    pub username: &'a str,
    /// The app client's secret, when it has one.
    pub secret: Option<&'a Secret>,
    /// The user pool id, when known (for the commands in hints).
    pub pool_id: Option<&'a str>,
    /// The region.
    pub region: &'a str,
}

/// Where challenge answers come from: flags, stdin, or prompts (implemented by the command).
pub trait Answers {
    /// A new password for `NEW_PASSWORD_REQUIRED`.
    fn new_password(&mut self, username: &str) -> Result<Secret>;
    /// An MFA code for `challenge` (`SOFTWARE_TOKEN_MFA`, `SMS_MFA`, `EMAIL_MFA`); `destination`
    /// is where Cognito sent it (masked phone number or e-mail), when it says.
    fn mfa_code(&mut self, challenge: &str, destination: Option<&str>) -> Result<String>;
    /// The MFA type to use for `SELECT_MFA_TYPE`, one of `options`.
    fn mfa_type(&mut self, options: &[String]) -> Result<String>;
}

/// A finished sign-in: the tokens and the challenges answered on the way.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The tokens.
    pub tokens: Tokens,
    /// Challenge names answered, in order.
    pub challenges: Vec<String>,
}

/// What a refresh gave.
#[derive(Debug, Clone)]
pub enum Refresh {
    /// New tokens (Cognito sends no new refresh token: keep the old one).
    Tokens(Tokens),
    /// Cognito refused the refresh token itself (revoked, expired): sign in again.
    Refused(String),
}

/// Most challenge rounds one sign-in may take (new password, select MFA, MFA code, …).
const MAX_ROUNDS: usize = 6;

fn tokens_from(r: &AuthenticationResultType) -> Tokens {
    Tokens {
        access_token: r.access_token().map(str::to_string),
        id_token: r.id_token().map(str::to_string),
        refresh_token: r.refresh_token().map(str::to_string),
        expires_in: i64::from(r.expires_in()),
        token_type: r.token_type().map(str::to_string),
    }
}

fn step_from(
    result: Option<&AuthenticationResultType>,
    name: Option<&ChallengeNameType>,
    session: Option<&str>,
    params: Option<&HashMap<String, String>>,
    endpoint: &str,
) -> Result<Step> {
    if let Some(r) = result {
        return Ok(Step::Done(tokens_from(r)));
    }
    match name {
        Some(n) => Ok(Step::Challenge(Challenge {
            name: n.as_str().to_string(),
            session: session.map(str::to_string),
            parameters: params.cloned().unwrap_or_default(),
        })),
        None => Err(Error::network(
            format!("Cognito at {endpoint} answered with neither tokens nor a challenge"),
            Some("is --endpoint-url a Cognito user-pool endpoint?".to_string()),
        )),
    }
}

impl Cognito {
    /// Builds the client: region, endpoint, no credentials, short timeouts, one retry.
    pub async fn connect(s: &ClientSettings) -> Cognito {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(aws_config::Region::new(s.region.clone()))
            .no_credentials()
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(2)
                    .with_initial_backoff(Duration::from_millis(300)),
            )
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(Duration::from_secs(20))
                    .build(),
            );
        if let Some(p) = &s.profile {
            loader = loader.profile_name(p);
        }
        if let Some(u) = &s.endpoint_url {
            loader = loader.endpoint_url(u);
        }
        let conf = loader.load().await;
        Cognito {
            client: cip::Client::new(&conf),
            endpoint: s.endpoint_display.clone(),
            notes: s.notes.clone(),
        }
    }

    fn trace(&self, line: &str) {
        self.notes.trace(|| line.to_string());
    }

    fn trace_step(&self, op: &str, step: &Step) {
        match step {
            Step::Done(t) => self.trace(&format!(
                "← {op}: tokens ({}{}{}{})",
                if t.access_token.is_some() {
                    "access, "
                } else {
                    ""
                },
                if t.id_token.is_some() { "id, " } else { "" },
                if t.refresh_token.is_some() {
                    "refresh, "
                } else {
                    ""
                },
                // ExpiresIn absent reads as 0: say so rather than "expires in 0 s".
                if t.expires_in > 0 {
                    format!("expires in {} s", t.expires_in)
                } else {
                    "no ExpiresIn".to_string()
                }
            )),
            Step::Challenge(c) => self.trace(&format!("← {op}: challenge {}", c.name)),
        }
    }

    async fn initiate(
        &self,
        flow: AuthFlowType,
        params: HashMap<String, String>,
        login: &Login<'_>,
        sent_hash: Option<&str>,
    ) -> Result<Step> {
        let shown: Vec<&str> = params.keys().map(String::as_str).collect();
        self.trace(&format!(
            "→ InitiateAuth {} client {} at {} (parameters {}; values not shown)",
            flow.as_str(),
            login.client_id,
            self.endpoint,
            sorted(shown).join(", ")
        ));
        let _spin = self
            .notes
            .busy(format!("signing in to Cognito ({})", flow.as_str()));
        let out = self
            .client
            .initiate_auth()
            .auth_flow(flow.clone())
            .client_id(login.client_id)
            .set_auth_parameters(Some(params))
            .send()
            .await
            .map_err(|e| self.map_error("InitiateAuth", flow.as_str(), e, login, sent_hash))?;
        let step = step_from(
            out.authentication_result(),
            out.challenge_name(),
            out.session(),
            out.challenge_parameters(),
            &self.endpoint,
        )?;
        self.trace_step("InitiateAuth", &step);
        Ok(step)
    }

    async fn respond(
        &self,
        challenge: &Challenge,
        responses: HashMap<String, String>,
        login: &Login<'_>,
        sent_hash: Option<&str>,
    ) -> Result<Step> {
        let shown: Vec<&str> = responses.keys().map(String::as_str).collect();
        self.trace(&format!(
            "→ RespondToAuthChallenge {} client {} at {} (responses {}; values not shown)",
            challenge.name,
            login.client_id,
            self.endpoint,
            sorted(shown).join(", ")
        ));
        let _spin = self.notes.busy(format!("answering {}", challenge.name));
        let out = self
            .client
            .respond_to_auth_challenge()
            .client_id(login.client_id)
            .challenge_name(ChallengeNameType::from(challenge.name.as_str()))
            .set_session(challenge.session.clone())
            .set_challenge_responses(Some(responses))
            .send()
            .await
            .map_err(|e| {
                self.map_error(
                    "RespondToAuthChallenge",
                    &challenge.name,
                    e,
                    login,
                    sent_hash,
                )
            })?;
        let step = step_from(
            out.authentication_result(),
            out.challenge_name(),
            out.session(),
            out.challenge_parameters(),
            &self.endpoint,
        )?;
        self.trace_step("RespondToAuthChallenge", &step);
        Ok(step)
    }

    /// Signs in with `USER_PASSWORD_AUTH` and answers the challenges that follow.
    pub async fn sign_in(
        &self,
        login: &Login<'_>,
        password: &Secret,
        answers: &mut dyn Answers,
    ) -> Result<Outcome> {
        let mut params = HashMap::new();
        params.insert("USERNAME".to_string(), login.username.to_string());
        params.insert("PASSWORD".to_string(), password.expose().to_string());
        let hash = login
            .secret
            .map(|s| secret_hash(s, login.username, login.client_id));
        if let Some(h) = &hash {
            params.insert("SECRET_HASH".to_string(), h.clone());
        }
        let mut step = self
            .initiate(
                AuthFlowType::UserPasswordAuth,
                params,
                login,
                hash.as_deref(),
            )
            .await?;
        let mut answered = Vec::new();
        for _ in 0..MAX_ROUNDS {
            let challenge = match step {
                Step::Done(tokens) => {
                    return Ok(Outcome {
                        tokens,
                        challenges: answered,
                    });
                }
                Step::Challenge(c) => c,
            };
            let (responses, hash) = challenge_responses(&challenge, login, answers)?;
            answered.push(challenge.name.clone());
            step = self
                .respond(&challenge, responses, login, hash.as_deref())
                .await?;
        }
        Err(Error::refused(
            format!(
                "Cognito kept asking for challenges ({}) after {MAX_ROUNDS} rounds",
                answered.join(", ")
            ),
            Some(
                "sign in once in the hosted UI or console to see what the pool requires"
                    .to_string(),
            ),
        ))
    }

    /// Refreshes with `REFRESH_TOKEN_AUTH`. `hash_username` is the user name Cognito knows the user
    /// by (the access token's `username` claim), which `SECRET_HASH` must use.
    pub async fn refresh(
        &self,
        login: &Login<'_>,
        refresh_token: &str,
        hash_username: &str,
    ) -> Result<Refresh> {
        let mut params = HashMap::new();
        params.insert("REFRESH_TOKEN".to_string(), refresh_token.to_string());
        let hash = login
            .secret
            .map(|s| secret_hash(s, hash_username, login.client_id));
        if let Some(h) = &hash {
            params.insert("SECRET_HASH".to_string(), h.clone());
        }
        let sent = hash.as_deref();
        let result = self
            .client
            .initiate_auth()
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .client_id(login.client_id)
            .set_auth_parameters(Some(params))
            .send();
        self.trace(&format!(
            "→ InitiateAuth REFRESH_TOKEN_AUTH client {} at {} (parameters REFRESH_TOKEN{}; values not shown)",
            login.client_id,
            self.endpoint,
            if sent.is_some() { ", SECRET_HASH" } else { "" }
        ));
        match result.await {
            Ok(out) => {
                let step = step_from(
                    out.authentication_result(),
                    out.challenge_name(),
                    out.session(),
                    out.challenge_parameters(),
                    &self.endpoint,
                )?;
                self.trace_step("InitiateAuth", &step);
                match step {
                    Step::Done(t) => Ok(Refresh::Tokens(t)),
                    Step::Challenge(c) => Ok(Refresh::Refused(format!(
                        "Cognito answered the refresh with the challenge {}",
                        c.name
                    ))),
                }
            }
            Err(e) => {
                let code = e.code().unwrap_or_default().to_string();
                let message = e.message().unwrap_or_default().to_string();
                if code == "NotAuthorizedException" && !is_secret_problem(&message, sent) {
                    self.trace(&format!("← InitiateAuth: {code}: {message}"));
                    return Ok(Refresh::Refused(format!("{code}: {message}")));
                }
                Err(self.map_error("InitiateAuth", "REFRESH_TOKEN_AUTH", e, login, sent))
            }
        }
    }

    fn map_error<E>(
        &self,
        op: &str,
        flow: &str,
        e: SdkError<E>,
        login: &Login<'_>,
        sent_hash: Option<&str>,
    ) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let endpoint = &self.endpoint;
        let reach_hint = format!(
            "check the network and the endpoint ({endpoint}; --endpoint-url or AWS_ENDPOINT_URL override it) and the region ({})",
            login.region
        );
        match &e {
            SdkError::ServiceError(_) => {
                let status = e.raw_response().map(|r| r.status().as_u16()).unwrap_or(400);
                let code = e.code().unwrap_or("UnknownError").to_string();
                let message = e.message().unwrap_or_default().to_string();
                self.trace(&format!("← {op}: HTTP {status} {code}: {message}"));
                explain_service_error(
                    &ServiceFailure {
                        op,
                        flow,
                        status,
                        code: &code,
                        message: &message,
                    },
                    login,
                    sent_hash,
                    endpoint,
                )
            }
            SdkError::TimeoutError(_) => Error::network(
                format!("Cognito did not answer {op} in time at {endpoint}"),
                Some(reach_hint),
            ),
            SdkError::DispatchFailure(_) => Error::network(
                format!(
                    "cannot reach Cognito at {endpoint} ({op}): {}",
                    crate::net::error_chain(&e)
                ),
                Some(reach_hint),
            ),
            SdkError::ResponseError(_) => Error::network(
                format!(
                    "Cognito at {endpoint} sent a response to {op} that is not a Cognito answer: {}",
                    DisplayErrorContext(&e)
                ),
                Some(
                    "is --endpoint-url (or AWS_ENDPOINT_URL) a Cognito user-pool endpoint?"
                        .to_string(),
                ),
            ),
            _ => Error::usage(
                format!("cannot build the {op} request: {}", DisplayErrorContext(&e)),
                Some("check --endpoint-url and --region".to_string()),
            ),
        }
    }
}

fn sorted(mut v: Vec<&str>) -> Vec<&str> {
    v.sort_unstable();
    v
}

/// The user name Cognito calls this user in a challenge (`USERNAME`, else `USER_ID_FOR_SRP`), which
/// the answer's `USERNAME` and `SECRET_HASH` must use; else the name as typed.
fn challenge_username<'a>(ch: &'a Challenge, login: &Login<'a>) -> &'a str {
    ch.parameters
        .get("USERNAME")
        .or_else(|| ch.parameters.get("USER_ID_FOR_SRP"))
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or(login.username)
}

/// The MFA challenges answered with a `<NAME>_CODE`.
const CODE_CHALLENGES: [&str; 3] = ["SOFTWARE_TOKEN_MFA", "SMS_MFA", "EMAIL_MFA"];

/// The answer to one challenge (`ChallengeResponses`) and the `SECRET_HASH` it carries. Pure
/// except for `answers`; `MFA_SETUP` and unsupported challenges are refusals with a fix.
pub fn challenge_responses(
    ch: &Challenge,
    login: &Login<'_>,
    answers: &mut dyn Answers,
) -> Result<(HashMap<String, String>, Option<String>)> {
    let user = challenge_username(ch, login);
    let mut r = HashMap::new();
    r.insert("USERNAME".to_string(), user.to_string());
    let hash = login.secret.map(|s| secret_hash(s, user, login.client_id));
    if let Some(h) = &hash {
        r.insert("SECRET_HASH".to_string(), h.clone());
    }
    let name = ch.name.as_str();
    match name {
        "NEW_PASSWORD_REQUIRED" => {
            // Messages name the user as given; Cognito's USERNAME (maybe the sub) only goes back
            // in the answer.
            let user = login.username;
            let qu = sh_word(user);
            let required = required_attributes(ch);
            if !required.is_empty() {
                return Err(Error::refused(
                    format!(
                        "user {user} must set a new password, and Cognito also requires the attributes {} which tokdiag cannot supply",
                        required.join(", ")
                    ),
                    Some(format!(
                        "set them first (aws cognito-idp admin-update-user-attributes{} --username {qu} --user-attributes Name=…,Value=…), or set a permanent password: aws cognito-idp admin-set-user-password{} --username {qu} --password … --permanent",
                        pool_arg(login),
                        pool_arg(login)
                    )),
                ));
            }
            let pw = answers.new_password(user)?;
            r.insert("NEW_PASSWORD".to_string(), pw.expose().to_string());
        }
        n if CODE_CHALLENGES.contains(&n) => {
            let dest = ch
                .parameters
                .get("CODE_DELIVERY_DESTINATION")
                .map(String::as_str);
            let code = answers.mfa_code(n, dest)?;
            r.insert(format!("{n}_CODE"), code);
        }
        "SELECT_MFA_TYPE" => {
            let options = mfa_options(ch);
            let choice = answers.mfa_type(&options)?;
            r.insert("ANSWER".to_string(), choice);
        }
        "MFA_SETUP" => {
            let can = ch
                .parameters
                .get("MFAS_CAN_SETUP")
                .map(|s| format!(" (MFAS_CAN_SETUP: {})", s.trim()))
                .unwrap_or_default();
            return Err(Error::refused(
                format!(
                    "user {user} has to set up MFA before signing in: Cognito answered with the MFA_SETUP challenge{can}, which tokdiag does not perform"
                ),
                Some(format!(
                    "set up MFA for the user first (sign in once through the pool's managed login or your app, which runs AssociateSoftwareToken + VerifySoftwareToken), or make MFA optional: aws cognito-idp set-user-pool-mfa-config{} --mfa-configuration OPTIONAL",
                    pool_arg(login)
                )),
            ));
        }
        other => {
            return Err(Error::refused(
                format!(
                    "Cognito asks for the challenge {other}, which tokdiag login does not answer"
                ),
                Some(
                    "tokdiag login answers NEW_PASSWORD_REQUIRED, SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_MFA and SELECT_MFA_TYPE after USER_PASSWORD_AUTH; sign in with your app or the AWS CLI for this one"
                        .to_string(),
                ),
            ));
        }
    }
    Ok((r, hash))
}

/// `requiredAttributes` of `NEW_PASSWORD_REQUIRED` (a JSON array of `userAttributes.<name>` in a string).
fn required_attributes(ch: &Challenge) -> Vec<String> {
    ch.parameters
        .get("requiredAttributes")
        .and_then(|s| serde_json::from_str::<Vec<String>>(s).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|a| a.strip_prefix("userAttributes.").unwrap_or(&a).to_string())
        .collect()
}

/// `MFAS_CAN_CHOOSE` of `SELECT_MFA_TYPE` (a JSON array in a string).
fn mfa_options(ch: &Challenge) -> Vec<String> {
    let raw = ch
        .parameters
        .get("MFAS_CAN_CHOOSE")
        .map(String::as_str)
        .unwrap_or("");
    serde_json::from_str::<Vec<String>>(raw).unwrap_or_else(|_| {
        raw.trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .map(|s| s.trim().trim_matches('"').to_string())
            .filter(|s| !s.is_empty())
            .collect()
    })
}

fn pool_arg(login: &Login<'_>) -> String {
    match login.pool_id {
        Some(p) => format!(" --user-pool-id {}", sh_word(p)),
        None => " --user-pool-id <pool id>".to_string(),
    }
}

/// True when a `NotAuthorizedException` message is about `SECRET_HASH` (real Cognito's wording,
/// or moto's, which puts the submitted hash itself in the message).
fn is_secret_problem(message: &str, sent_hash: Option<&str>) -> bool {
    message.contains("secret hash")
        || message.contains("configured for secret")
        || sent_hash.is_some_and(|h| !h.is_empty() && message.trim() == h)
}

/// One failed Cognito call, as the service answered it.
#[derive(Debug, Clone, Copy)]
pub struct ServiceFailure<'a> {
    /// The operation (`InitiateAuth`, `RespondToAuthChallenge`).
    pub op: &'a str,
    /// The auth flow or challenge it was for.
    pub flow: &'a str,
    /// HTTP status.
    pub status: u16,
    /// The error code (`NotAuthorizedException`).
    pub code: &'a str,
    /// The service's message.
    pub message: &'a str,
}

/// Turns a Cognito error answer into a cause and a fix: a refusal (exit 1) for 4xx, a network
/// error (exit 3) for 5xx. The service's code and message are always shown.
pub fn explain_service_error(
    f: &ServiceFailure<'_>,
    login: &Login<'_>,
    sent_hash: Option<&str>,
    endpoint: &str,
) -> Error {
    let (code, message, user, client) = (f.code, f.message, login.username, login.client_id);
    let said = if message.is_empty() {
        format!("Cognito {}: {code}", f.op)
    } else {
        format!("Cognito {}: {code}: {message}", f.op)
    };
    let pool = pool_arg(login);
    // Quoted for the shell where they are part of a command to paste (the user as typed may hold
    // anything); the prose keeps them as they are.
    let (qu, qc) = (sh_word(user), sh_word(client));
    if f.status >= 500 || code == "InternalErrorException" {
        return Error::network(
            format!("Cognito failed on its side ({said}, HTTP {})", f.status),
            Some(format!(
                "retry in a moment; if it persists, check the endpoint {endpoint}"
            )),
        );
    }
    let lower = message.to_ascii_lowercase();
    let (cause, fix): (String, String) = match code {
        "NotAuthorizedException" if is_secret_problem(message, sent_hash) && sent_hash.is_none() => (
            format!("app client {client} has a secret, and no SECRET_HASH was sent"),
            format!(
                "set TOKDIAG_CLIENT_SECRET (or pipe it with --client-secret-stdin) to the app client's secret: aws cognito-idp describe-user-pool-client{pool} --client-id {qc} --query UserPoolClient.ClientSecret"
            ),
        ),
        "NotAuthorizedException" if is_secret_problem(message, sent_hash) => (
            format!(
                "the SECRET_HASH does not match: the client secret is not the one of app client {client} (or the client has no secret)"
            ),
            format!(
                "set TOKDIAG_CLIENT_SECRET to the secret of app client {client}: aws cognito-idp describe-user-pool-client{pool} --client-id {qc} --query UserPoolClient.ClientSecret"
            ),
        ),
        "NotAuthorizedException" if lower.contains("password attempts exceeded") => (
            format!("too many failed sign-ins: Cognito has locked {user} out for a while"),
            "wait (the lockout grows with each failure), then sign in once with the right password".to_string(),
        ),
        "NotAuthorizedException" if lower.contains("disabled") => (
            format!("user {user} is disabled"),
            format!("enable the user: aws cognito-idp admin-enable-user{pool} --username {qu}"),
        ),
        "NotAuthorizedException" if lower.contains("incorrect username or password") => (
            format!("wrong password for {user} (or no such user: pools that prevent user-existence errors answer the same)"),
            format!(
                "check the password (TOKDIAG_PASSWORD, --password-stdin or the prompt) and --username; an admin can set one: aws cognito-idp admin-set-user-password{pool} --username {qu} --password … --permanent"
            ),
        ),
        "NotAuthorizedException" if lower.contains("refresh token") => (
            "the refresh token is no longer valid (revoked or expired)".to_string(),
            "sign in again: tokdiag login --no-cache".to_string(),
        ),
        "NotAuthorizedException" => (
            format!("Cognito refused to sign in {user}"),
            "read the service message above; check the user, password and app client settings".to_string(),
        ),
        "UserNotFoundException" => (
            format!(
                "there is no user {user} in the pool of app client {client}"
            ),
            format!(
                "check --username (or TOKDIAG_USERNAME) and the pool: aws cognito-idp list-users{pool} --filter {}",
                sh_quote(&format!("username = \"{user}\""))
            ),
        ),
        "UserNotConfirmedException" => (
            format!("user {user} signed up but is not confirmed"),
            format!(
                "confirm the user with the code Cognito sent (aws cognito-idp confirm-sign-up --client-id {qc} --username {qu} --confirmation-code …), or as an admin: aws cognito-idp admin-confirm-sign-up{pool} --username {qu}"
            ),
        ),
        "PasswordResetRequiredException" => (
            format!("an administrator requires {user} to reset the password"),
            format!(
                "reset it with the code Cognito sent (aws cognito-idp confirm-forgot-password --client-id {qc} --username {qu} --confirmation-code … --password …), or as an admin: aws cognito-idp admin-set-user-password{pool} --username {qu} --password … --permanent"
            ),
        ),
        "InvalidParameterException" if lower.contains("flow not enabled") => {
            let setting = if f.flow == "REFRESH_TOKEN_AUTH" || lower.contains("refresh") {
                "ALLOW_REFRESH_TOKEN_AUTH"
            } else {
                "ALLOW_USER_PASSWORD_AUTH"
            };
            (
                format!(
                    "{} is not enabled on app client {client}: its ExplicitAuthFlows lack {setting}",
                    f.flow
                ),
                format!(
                    "enable it: aws cognito-idp update-user-pool-client{pool} --client-id {qc} --explicit-auth-flows ALLOW_USER_PASSWORD_AUTH ALLOW_REFRESH_TOKEN_AUTH (update-user-pool-client resets every setting you leave out: repeat the client's other settings), or tick \"Sign in with username and password\" under the app client's authentication flows in the console"
                ),
            )
        }
        "InvalidParameterException" => (
            format!("Cognito rejected the {} request as invalid", f.flow),
            "read the service message above; check --client-id and the app client's settings".to_string(),
        ),
        "ResourceNotFoundException" if f.op == "RespondToAuthChallenge" && !message.contains(client) => (
            "the challenge session is unknown or expired (sessions last 3 minutes)".to_string(),
            "run tokdiag login again and answer the challenge sooner".to_string(),
        ),
        "ResourceNotFoundException" if lower.contains("user pool") && !lower.contains("client") => (
            "the user pool does not exist in this region".to_string(),
            format!(
                "check --user-pool-id (or the config's discoveryUrl) and the region ({}); the pool's region is the prefix of its id",
                login.region
            ),
        ),
        "ResourceNotFoundException" => (
            format!("there is no app client {client} in region {}", login.region),
            format!(
                "check --client-id (or the config's allowedClients) and the region: aws cognito-idp list-user-pool-clients{pool} --region {}",
                login.region
            ),
        ),
        "TooManyRequestsException" | "LimitExceededException" => (
            "Cognito is throttling these requests".to_string(),
            "wait a few seconds and retry; scripts should reuse the cached token (tokdiag login caches it) instead of signing in each time".to_string(),
        ),
        "CodeMismatchException" => (
            "the MFA code is wrong".to_string(),
            "use the current code (authenticator apps change it every 30 s) with --mfa-code or at the prompt".to_string(),
        ),
        "ExpiredCodeException" => (
            "the MFA code has expired".to_string(),
            "run tokdiag login again and enter the new code".to_string(),
        ),
        // A plain sign-in sets no password: an emulator (cognito-local) answers a wrong one so.
        "InvalidPasswordException" if f.op == "InitiateAuth" => (
            format!("the password was refused for {user}"),
            format!(
                "check the password (TOKDIAG_PASSWORD, --password-stdin or the prompt) and --username; an admin can set one: aws cognito-idp admin-set-user-password{pool} --username {qu} --password … --permanent"
            ),
        ),
        "InvalidPasswordException" => (
            "the new password does not meet the pool's password policy".to_string(),
            "choose a password that meets it: aws cognito-idp describe-user-pool --query UserPool.Policies.PasswordPolicy".to_string(),
        ),
        "UserLambdaValidationException"
        | "UnexpectedLambdaException"
        | "InvalidLambdaResponseException" => (
            "a Lambda trigger of the user pool failed".to_string(),
            "check the trigger's CloudWatch logs (pre authentication, pre token generation, …)".to_string(),
        ),
        "ForbiddenException" => (
            "AWS WAF in front of the user pool blocked the request".to_string(),
            "check the web ACL associated with the user pool".to_string(),
        ),
        "InvalidUserPoolConfigurationException" => (
            "the user pool is not configured for this sign-in".to_string(),
            "check the pool's sign-in and MFA settings".to_string(),
        ),
        _ => (
            format!("Cognito refused {}", f.op),
            "read the service message above".to_string(),
        ),
    };
    Error::refused(format!("{cause} ({said})"), Some(fix))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl Answers for Fixed {
        fn new_password(&mut self, _: &str) -> Result<Secret> {
            Ok(Secret::new("N3w-Passw0rd!"))
        }
        fn mfa_code(&mut self, _: &str, _: Option<&str>) -> Result<String> {
            Ok("123456".into())
        }
        fn mfa_type(&mut self, options: &[String]) -> Result<String> {
            Ok(options.last().cloned().unwrap_or_default())
        }
    }

    fn login<'a>(secret: Option<&'a Secret>) -> Login<'a> {
        Login {
            client_id: "client1",
            username: "alice",
            secret,
            pool_id: Some("us-east-1_abc"),
            region: "us-east-1",
        }
    }

    fn ch(name: &str, params: &[(&str, &str)]) -> Challenge {
        Challenge {
            name: name.into(),
            session: Some("s".into()),
            parameters: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn answers_each_challenge() {
        let s = Secret::new("secret");
        let (r, h) = challenge_responses(
            &ch("NEW_PASSWORD_REQUIRED", &[("USERNAME", "alice-internal")]),
            &login(Some(&s)),
            &mut Fixed,
        )
        .unwrap();
        assert_eq!(r["USERNAME"], "alice-internal");
        assert_eq!(r["NEW_PASSWORD"], "N3w-Passw0rd!");
        assert_eq!(
            h.as_deref(),
            Some(secret_hash(&s, "alice-internal", "client1").as_str())
        );
        for name in CODE_CHALLENGES {
            let (r, h) = challenge_responses(&ch(name, &[]), &login(None), &mut Fixed).unwrap();
            assert_eq!(r[&format!("{name}_CODE")], "123456");
            assert_eq!(r["USERNAME"], "alice");
            assert!(h.is_none() && !r.contains_key("SECRET_HASH"));
        }
        let (r, _) = challenge_responses(
            &ch(
                "SELECT_MFA_TYPE",
                &[("MFAS_CAN_CHOOSE", "[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\"]")],
            ),
            &login(None),
            &mut Fixed,
        )
        .unwrap();
        assert_eq!(r["ANSWER"], "SOFTWARE_TOKEN_MFA");
    }

    #[test]
    fn new_password_required_names_the_user_as_given() {
        // Cognito's USERNAME may be the sub; the message names the user the caller typed.
        let e = challenge_responses(
            &ch(
                "NEW_PASSWORD_REQUIRED",
                &[
                    ("USERNAME", "c4a8e4d8-7061-70b5-9e3f-2d6a1b7c8e90"),
                    ("requiredAttributes", "[\"userAttributes.name\"]"),
                ],
            ),
            &login(None),
            &mut Fixed,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "user alice must set a new password, and Cognito also requires the attributes name which tokdiag cannot supply"
        );
    }

    #[test]
    fn mfa_setup_and_unknown_challenges_are_refused_with_a_fix() {
        let e = challenge_responses(
            &ch(
                "MFA_SETUP",
                &[("MFAS_CAN_SETUP", "[\"SOFTWARE_TOKEN_MFA\"]")],
            ),
            &login(None),
            &mut Fixed,
        )
        .unwrap_err();
        assert_eq!(e.exit_code(), 1);
        assert!(e.to_string().contains("set up MFA"), "{e}");
        assert!(
            e.hint()
                .unwrap()
                .contains("set-user-pool-mfa-config --user-pool-id us-east-1_abc")
        );
        let e = challenge_responses(&ch("CUSTOM_CHALLENGE", &[]), &login(None), &mut Fixed)
            .unwrap_err();
        assert!(e.to_string().contains("CUSTOM_CHALLENGE"));
        let e = challenge_responses(
            &ch(
                "NEW_PASSWORD_REQUIRED",
                &[("requiredAttributes", "[\"userAttributes.email\"]")],
            ),
            &login(None),
            &mut Fixed,
        )
        .unwrap_err();
        assert!(e.to_string().contains("email"), "{e}");
    }

    fn explain(code: &str, message: &str, sent: Option<&str>) -> Error {
        explain_service_error(
            &ServiceFailure {
                op: "InitiateAuth",
                flow: "USER_PASSWORD_AUTH",
                status: 400,
                code,
                message,
            },
            &login(None),
            sent,
            "https://cognito-idp.us-east-1.amazonaws.com",
        )
    }

    #[test]
    fn commands_in_fixes_quote_the_user_as_typed() {
        let l = Login {
            username: "bob's $(id)",
            ..login(None)
        };
        let e = explain_service_error(
            &ServiceFailure {
                op: "InitiateAuth",
                flow: "USER_PASSWORD_AUTH",
                status: 400,
                code: "UserNotConfirmedException",
                message: "User is not confirmed.",
            },
            &l,
            None,
            "https://cognito-idp.us-east-1.amazonaws.com",
        );
        assert_eq!(
            e.to_string(),
            "user bob's $(id) signed up but is not confirmed (Cognito InitiateAuth: UserNotConfirmedException: User is not confirmed.)"
        );
        assert_eq!(
            e.hint().unwrap(),
            "confirm the user with the code Cognito sent (aws cognito-idp confirm-sign-up --client-id client1 --username 'bob'\\''s $(id)' --confirmation-code …), or as an admin: aws cognito-idp admin-confirm-sign-up --user-pool-id us-east-1_abc --username 'bob'\\''s $(id)'"
        );
        let e = explain_service_error(
            &ServiceFailure {
                op: "InitiateAuth",
                flow: "USER_PASSWORD_AUTH",
                status: 400,
                code: "UserNotFoundException",
                message: "User does not exist.",
            },
            &l,
            None,
            "https://cognito-idp.us-east-1.amazonaws.com",
        );
        assert_eq!(
            e.hint().unwrap(),
            "check --username (or TOKDIAG_USERNAME) and the pool: aws cognito-idp list-users --user-pool-id us-east-1_abc --filter 'username = \"bob'\\''s $(id)\"'"
        );
    }

    #[test]
    fn maps_cognito_errors_to_cause_and_fix() {
        let e = explain(
            "InvalidParameterException",
            "USER_PASSWORD_AUTH flow not enabled for this client",
            None,
        );
        assert_eq!(e.exit_code(), 1);
        assert!(
            e.to_string()
                .contains("ExplicitAuthFlows lack ALLOW_USER_PASSWORD_AUTH")
        );
        assert!(e.to_string().contains(
            "(Cognito InitiateAuth: InvalidParameterException: USER_PASSWORD_AUTH flow not enabled for this client)"
        ));
        assert!(e.hint().unwrap().contains("aws cognito-idp update-user-pool-client --user-pool-id us-east-1_abc --client-id client1 --explicit-auth-flows ALLOW_USER_PASSWORD_AUTH ALLOW_REFRESH_TOKEN_AUTH"));

        let e = explain(
            "NotAuthorizedException",
            "Client client1 is configured for secret but secret was not received",
            None,
        );
        assert!(e.to_string().starts_with("app client client1 has a secret"));
        assert!(e.hint().unwrap().contains("TOKDIAG_CLIENT_SECRET"));

        let e = explain(
            "NotAuthorizedException",
            "Unable to verify secret hash for client client1",
            Some("abc="),
        );
        assert!(e.to_string().starts_with("the SECRET_HASH does not match"));
        // moto: the message is the submitted hash itself
        let e = explain("NotAuthorizedException", "abc=", Some("abc="));
        assert!(e.to_string().starts_with("the SECRET_HASH does not match"));

        let e = explain("NotAuthorizedException", "Password attempts exceeded", None);
        assert!(e.to_string().contains("locked"));
        let e = explain("NotAuthorizedException", "User is disabled.", None);
        assert!(e.hint().unwrap().contains("admin-enable-user"));
        let e = explain("UserNotConfirmedException", "User is not confirmed.", None);
        assert!(e.hint().unwrap().contains(
            "aws cognito-idp admin-confirm-sign-up --user-pool-id us-east-1_abc --username alice"
        ));
        let e = explain(
            "PasswordResetRequiredException",
            "Password reset required for the user",
            None,
        );
        assert!(e.hint().unwrap().contains("confirm-forgot-password"));
        let e = explain(
            "ResourceNotFoundException",
            "User pool client client1 does not exist.",
            None,
        );
        assert!(
            e.to_string()
                .starts_with("there is no app client client1 in region us-east-1")
        );
        let e = explain("TooManyRequestsException", "Rate exceeded", None);
        assert_eq!(e.exit_code(), 1);
        let e = explain(
            "CodeMismatchException",
            "Invalid code received for user",
            None,
        );
        assert!(e.to_string().starts_with("the MFA code is wrong"));
        let e = explain_service_error(
            &ServiceFailure {
                op: "InitiateAuth",
                flow: "USER_PASSWORD_AUTH",
                status: 500,
                code: "InternalErrorException",
                message: "boom",
            },
            &login(None),
            None,
            "x",
        );
        assert_eq!(e.exit_code(), 3);
    }
}
