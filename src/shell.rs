//! Just enough POSIX shell lexing for what berth reads: word splitting with
//! quotes (Compose `command:` strings, Dockerfile `ENV`) and splitting a `RUN`
//! script into simple commands.

/// Split a string into words the way a POSIX shell would, without expansions.
/// Unterminated quotes end at the end of the text.
pub fn split_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    cur.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(&n) = chars.peek()
                                && matches!(n, '"' | '\\' | '$' | '`')
                            {
                                cur.push(n);
                                chars.next();
                            } else {
                                cur.push('\\');
                            }
                        }
                        c => cur.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') | None => {}
                    Some(n) => cur.push(n),
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// Split a shell script into simple commands at `&&`, `||`, `;`, `|`, `&` and
/// line breaks outside quotes, then into words. Line continuations are joined.
pub fn split_commands(script: &str) -> Vec<Vec<String>> {
    let script = script.replace("\\\r\n", " ").replace("\\\n", " ");
    let mut commands = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                cur.push(c);
            }
            (None, '#') if cur.is_empty() || cur.ends_with(char::is_whitespace) => {
                // A comment runs to the end of the line.
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                commands.push(std::mem::take(&mut cur));
            }
            (None, ';' | '\n' | '|' | '&' | '(' | ')') => {
                commands.push(std::mem::take(&mut cur));
                if let Some(&n) = chars.peek()
                    && (n == c && (c == '&' || c == '|'))
                {
                    chars.next();
                }
            }
            (None, c) => cur.push(c),
        }
    }
    commands.push(cur);
    commands
        .iter()
        .map(|c| split_words(c))
        .filter(|w| !w.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(
            split_words(r#"./backend --name "a b" 'c d' e\ f"#),
            vec!["./backend", "--name", "a b", "c d", "e f"]
        );
        assert_eq!(split_words("  "), Vec::<String>::new());
        assert_eq!(split_words(r#"x="" y"#), vec!["x=", "y"]);
    }

    #[test]
    fn commands() {
        let cmds = split_commands("cd web && npm ci; echo 'a && b' | tee x \\\n  y # c\nmake");
        assert_eq!(
            cmds,
            vec![
                vec!["cd", "web"],
                vec!["npm", "ci"],
                vec!["echo", "a && b"],
                vec!["tee", "x", "y"],
                vec!["make"],
            ]
        );
    }
}
